import { describe, expect, it } from 'vitest';
import {
  ApiError,
  describeError,
  fieldErrors,
  fieldName,
  networkProblem,
  toProblem,
} from '../src/api/problem';

describe('toProblem', () => {
  it('keeps a problem document as it is, extensions included', () => {
    const body = {
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'car 1 is booked',
      conflicts: [{ id: 3 }],
    };
    expect(toProblem(409, 'Conflict', body)).toEqual(body);
  });

  it('fills in what a non-problem JSON error lacks', () => {
    expect(toProblem(400, 'Bad Request', { message: 'name is required' })).toMatchObject({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'name is required',
    });
  });

  it('uses short plain text as the detail but not an HTML error page', () => {
    expect(toProblem(502, '', 'upstream went away').detail).toBe('upstream went away');
    const html = toProblem(502, '', '<html><body>Bad gateway</body></html>');
    expect(html.detail).toBeUndefined();
    expect(html.title).toBe('Bad Gateway');
  });

  it('drops malformed field errors', () => {
    const problem = toProblem(400, '', {
      errors: [{ field: 'body.name', message: 'too short' }, { oops: 1 }],
    });
    expect(problem.errors).toEqual([{ field: 'body.name', message: 'too short' }]);
  });
});

describe('field errors', () => {
  it('names the input a path belongs to', () => {
    expect(fieldName('body.name')).toBe('name');
    expect(fieldName('querystring.from')).toBe('from');
    expect(fieldName('body.attributes.colour')).toBe('attributes.colour');
    expect(fieldName('name')).toBe('name');
  });

  it('collects validation errors by input, joining several for one field', () => {
    const error = new ApiError(
      toProblem(400, '', {
        detail: 'invalid',
        errors: [
          { field: 'body.username', message: 'must be at least 3 characters' },
          { field: 'body.username', message: 'must match pattern' },
          { field: 'body.password', message: 'is required' },
        ],
      }),
    );
    expect(fieldErrors(error)).toEqual({
      username: 'must be at least 3 characters; must match pattern',
      password: 'is required',
    });
  });

  it('takes a single `field` extension with the detail as its message', () => {
    const error = new ApiError(
      toProblem(400, '', { detail: 'body.end must be after body.start', field: 'body.end' }),
    );
    expect(fieldErrors(error)).toEqual({ end: 'body.end must be after body.start' });
  });

  it('has none for errors that are not API errors', () => {
    expect(fieldErrors(new Error('x'))).toEqual({});
  });
});

describe('describeError', () => {
  it('shows the problem detail under its title and status', () => {
    const error = new ApiError(toProblem(409, 'Conflict', { detail: 'overlaps #4' }));
    expect(describeError(error)).toEqual({ title: 'Conflict (409)', detail: 'overlaps #4' });
  });

  it('explains a bare status', () => {
    expect(describeError(new ApiError(toProblem(403, '', undefined))).detail).toMatch(/role/);
    expect(describeError(new ApiError(toProblem(503, '', ''))).detail).toMatch(/not available/);
  });

  it('says a request never got an answer', () => {
    const { title, detail } = describeError(new ApiError(networkProblem(new TypeError('Failed to fetch'))));
    expect(title).toBe('No connection');
    expect(detail).toMatch(/could not be reached \(Failed to fetch\)/);
  });
});
