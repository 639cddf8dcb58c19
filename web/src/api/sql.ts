import { client, data, type Operation, type ResponseBody } from './client';

/** `GET /sql/schema`: the tables and columns the SQL console may read, and example queries. */
export type SqlSchema = ResponseBody<Operation<'/api/sql/schema', 'get'>, 200>;

export const getSqlSchema = () => data(client.GET('/api/sql/schema'));
