import { STATUS_CODES } from 'node:http';

/** Extra members of a problem document (RFC 9457), e.g. the conflicting allocations. */
export type ProblemExtensions = Record<string, unknown>;

export interface ProblemDocument extends ProblemExtensions {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
}

/**
 * An error that becomes a problem+json response. Domain code throws it; the service's
 * error handler renders it. `type` defaults to about:blank, whose title is the status phrase.
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly extensions: ProblemExtensions = {},
    readonly title: string = STATUS_CODES[status] ?? 'Error',
    readonly type = 'about:blank',
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }

  toJSON(instance?: string): ProblemDocument {
    return {
      type: this.type,
      title: this.title,
      status: this.status,
      detail: this.detail,
      ...(instance ? { instance } : {}),
      ...this.extensions,
    };
  }
}

export const badRequest = (detail: string, extensions?: ProblemExtensions) =>
  new HttpProblem(400, detail, extensions);
export const notFound = (detail: string, extensions?: ProblemExtensions) =>
  new HttpProblem(404, detail, extensions);
export const conflict = (detail: string, extensions?: ProblemExtensions) =>
  new HttpProblem(409, detail, extensions);
export const unavailable = (detail: string, extensions?: ProblemExtensions) =>
  new HttpProblem(503, detail, extensions);

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
