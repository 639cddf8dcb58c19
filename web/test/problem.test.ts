import { describe, expect, it } from 'vitest';
import { ApiError, describeError, formErrors, inWords, networkProblem, toProblem } from '../src/api/problem';
import { USER_FIELDS } from '../src/api/users';
import { invalid, type Problem } from './fixtures';

describe('toProblem', () => {
  it('keeps a problem document as it is, extensions included', () => {
    const body = {
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'this would leave no enabled admin; promote another account first',
    } satisfies Problem;
    expect(toProblem(409, 'Conflict', body)).toEqual(body);
  });

  it('makes one from the status for anything that is not a problem document', () => {
    expect(toProblem(502, 'Bad Gateway', '<html><body>Bad gateway</body></html>')).toEqual({
      type: 'about:blank',
      title: 'Bad Gateway',
      status: 502,
      detail: 'The server failed; try again, and report it if it keeps happening.',
    });
    expect(toProblem(403, '', undefined)).toMatchObject({ title: 'Forbidden', detail: /role/ });
    expect(toProblem(503, '', { message: 'not a problem' }).detail).toMatch(/not available/);
  });
});

describe('field errors beside their inputs', () => {
  // What kit answers for a new user with a short password and a bad username.
  const refused = new ApiError(
    invalid(
      { field: 'body.username', message: 'is not in the expected form' },
      { field: 'body.password', message: 'must be at least 8 characters' },
      { field: 'body.password', message: 'must be at least 8 characters' },
      { field: 'body.nickname', message: 'is not a known field' },
    ),
  );

  it('maps each errors[].field to the input that has that path, in words, once', () => {
    expect(formErrors(refused, USER_FIELDS)).toEqual({
      byInput: {
        username: 'Is not in the expected form.',
        password: 'Must be at least 8 characters.',
      },
      others: [{ field: 'body.nickname', message: 'is not a known field' }],
    });
  });

  it('joins different messages for one input', () => {
    const error = new ApiError(
      invalid(
        { field: 'body.password', message: 'must be at most 1024 characters' },
        { field: 'body.password', message: 'must be text' },
      ),
    );
    expect(formErrors(error, { password: 'body.password' }).byInput).toEqual({
      password: 'Must be at most 1024 characters. Must be text.',
    });
  });

  it('places a field of the path or query as well as of the body', () => {
    const error = new ApiError(invalid({ field: 'path.id', message: 'must be a whole number' }));
    expect(formErrors(error, { resourceId: 'path.id' }).byInput).toEqual({ resourceId: 'Must be a whole number.' });
    expect(formErrors(error, { id: 'body.id' }).others).toHaveLength(1);
  });

  it('has none for errors that are not API errors', () => {
    expect(formErrors(new Error('x'), USER_FIELDS)).toEqual({ byInput: {}, others: [] });
  });

  it("shows the server's field messages, which are already in words, as sentences", () => {
    expect(inWords('must be at least 8 characters')).toBe('Must be at least 8 characters.');
    expect(inWords('is empty or only whitespace: send German text to translate')).toBe(
      'Is empty or only whitespace: send German text to translate.',
    );
  });
});

describe('describeError', () => {
  it('shows the problem detail under its title and status', () => {
    const error = new ApiError(toProblem(409, 'Conflict', { type: 'about:blank', title: 'Conflict', status: 409, detail: 'promote another admin first' }));
    expect(describeError(error)).toEqual({ title: 'Conflict (409)', detail: 'promote another admin first' });
  });

  it('does not repeat field errors: it points at the marked fields', () => {
    const one = new ApiError(invalid({ field: 'body.password', message: 'must be at least 8 characters' }));
    expect(describeError(one, USER_FIELDS)).toEqual({ title: 'Bad Request (400)', detail: 'Correct the marked field.' });
    const unplaced = new ApiError(invalid({ field: 'body.nickname', message: 'is not a known field' }));
    expect(describeError(unplaced, USER_FIELDS).detail).toBe('The request was refused:');
    expect(JSON.stringify(describeError(one, USER_FIELDS))).not.toMatch(/body\.password/);
  });

  it('says a request never got an answer', () => {
    const { title, detail } = describeError(new ApiError(networkProblem(new TypeError('Failed to fetch'))));
    expect(title).toBe('No connection');
    expect(detail).toMatch(/could not be reached \(Failed to fetch\)/);
  });
});
