import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router';
import type { Role } from './api/contract';
import { can, checkSession, session } from './session';

declare module 'vue-router' {
  interface RouteMeta {
    title?: string;
    /** Reachable without signing in. */
    public?: boolean;
    /** The least role that may see the page (each role includes the ones before it). */
    role?: Role;
  }
}

// Every page is its own chunk: the first visit loads only the shell and that page.
export const routes = [
  { path: '/', redirect: '/fleet' },
  {
    path: '/sign-in',
    name: 'sign-in',
    component: () => import('./pages/SignInPage.vue'),
    meta: { title: 'Sign in', public: true },
  },
  { path: '/fleet', redirect: '/fleet/cars' },
  {
    path: '/fleet/:type',
    name: 'fleet',
    component: () => import('./pages/FleetPage.vue'),
    meta: { title: 'Fleet' },
  },
  {
    path: '/translate',
    name: 'translate',
    component: () => import('./pages/TranslatePage.vue'),
    meta: { title: 'Translate' },
  },
  {
    path: '/history',
    name: 'history',
    component: () => import('./pages/HistoryPage.vue'),
    meta: { title: 'History' },
  },
  {
    path: '/history/:id',
    name: 'translation',
    component: () => import('./pages/TranslationPage.vue'),
    meta: { title: 'Translation' },
  },
  {
    path: '/stats',
    name: 'stats',
    component: () => import('./pages/StatsPage.vue'),
    meta: { title: 'Player stats' },
  },
  {
    path: '/account',
    name: 'account',
    component: () => import('./pages/AccountPage.vue'),
    meta: { title: 'Account' },
  },
  {
    path: '/sql',
    name: 'sql',
    component: () => import('./pages/SqlPage.vue'),
    meta: { title: 'SQL console', role: 'admin' as Role },
  },
  {
    path: '/users',
    name: 'users',
    component: () => import('./pages/UsersPage.vue'),
    meta: { title: 'Users', role: 'admin' as Role },
  },
  {
    path: '/:rest(.*)*',
    name: 'not-found',
    component: () => import('./pages/NotFoundPage.vue'),
    meta: { title: 'Not found', public: true },
  },
];

/** Where a navigation must go instead, or true to let it through. */
export function guard(to: RouteLocationNormalized): true | { name: string; query?: Record<string, string> } {
  if (to.meta.public) return true;
  if (!session.user) return { name: 'sign-in', query: { next: to.fullPath } };
  return true;
}

export function createAppRouter() {
  const router = createRouter({
    history: createWebHistory(),
    routes,
    scrollBehavior: () => ({ top: 0 }),
  });
  router.beforeEach(async (to) => {
    try {
      await checkSession();
    } catch {
      // The users service did not answer: the sign-in page shows why.
    }
    return guard(to);
  });
  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · Flotilla` : 'Flotilla';
  });
  return router;
}

export const allowed = (to: RouteLocationNormalized) => !to.meta.role || can(to.meta.role);
