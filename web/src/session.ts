import { reactive } from 'vue';
import { onUnauthenticated } from './api/client';
import { ApiError } from './api/problem';
import { endAllSessions, hasRole, login, logout, me, type Role, type User } from './api/users';

/** The signed-in user, shared by the header, the router guard and the pages. */
export const session = reactive<{
  user: User | undefined;
  checked: boolean;
  /** The session ended while the app was open (a 401 that a refresh could not fix). */
  expired: boolean;
  /** Why the current user could not be checked (the users service did not answer). */
  error: unknown;
}>({
  user: undefined,
  checked: false,
  expired: false,
  error: undefined,
});

let checking: Promise<void> | undefined;

/** Asks the server who is signed in (once; later calls wait for the same answer). */
export function checkSession(): Promise<void> {
  checking ??= me()
    .then((user) => {
      session.user = user;
      session.error = undefined;
    })
    .catch((error: unknown) => {
      // 401: nobody is signed in. Anything else: unknown; the sign-in page says what failed.
      session.user = undefined;
      if (!(error instanceof ApiError && error.status === 401)) {
        session.error = error;
        checking = undefined; // let the next navigation ask again
        throw error;
      }
      session.error = undefined;
    })
    .finally(() => {
      session.checked = true;
    });
  return checking;
}

export async function signIn(username: string, password: string): Promise<User> {
  const result = await login(username, password);
  session.user = result.user;
  session.expired = false;
  session.error = undefined;
  session.checked = true;
  return result.user;
}

export async function signOut(): Promise<void> {
  try {
    await logout();
  } finally {
    session.user = undefined;
    checking = undefined;
  }
}

/** Ends every session of the signed-in user, this browser's too. */
export async function signOutEverywhere(): Promise<void> {
  await endAllSessions();
  session.user = undefined;
  checking = undefined;
}

/** Whether the signed-in user has `minimum` or a role above it. */
export const can = (minimum: Role) => hasRole(session.user, minimum);

onUnauthenticated(() => {
  if (session.user) session.expired = true;
  session.user = undefined;
});
