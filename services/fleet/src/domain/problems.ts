import { badRequest } from '@flotilla/kit';

/** 400 naming one input, in the shape kit gives schema violations: `errors: [{field, message}]`. */
export const invalidField = (field: string, message: string) =>
  badRequest(`${field} ${message}`, { errors: [{ field, message }] });
