import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reactive } from 'vue';
import { RESOURCE_TYPES } from '../src/api/contract';
import { BOOKING_FIELDS, RESOURCE_TYPE_INFO, resourceType } from '../src/api/fleet';
import { ApiError } from '../src/api/problem';
import BookingForm from '../src/components/BookingForm.vue';
import ConfirmButton from '../src/components/ConfirmButton.vue';
import ProblemMessage from '../src/components/ProblemMessage.vue';
import ResourceRow from '../src/components/ResourceRow.vue';
import TextField from '../src/components/TextField.vue';
import TimelineTrack from '../src/components/TimelineTrack.vue';
import UsersPage from '../src/pages/UsersPage.vue';
import { fromLocalInput, toLocalInput } from '../src/lib/time';
import { scaleOf, windowOf } from '../src/lib/timeline';
import { allocation, type Answer, answer, invalid, noContent, resource, serve, serveBy, user } from './fixtures';

afterEach(() => vi.unstubAllGlobals());

const cars = resourceType('cars');
const runways = resourceType('runways');
if (!cars || !runways) throw new Error('resource types missing');

describe('resource types', () => {
  it('are the contract’s, each with its label', () => {
    expect(RESOURCE_TYPE_INFO.map((t) => t.type)).toEqual([...RESOURCE_TYPES]);
    expect(RESOURCE_TYPE_INFO.map((t) => t.label)).toEqual(['Cars', 'Lorries', 'Trucks', 'Runways']);
  });
});

describe('ProblemMessage', () => {
  it('shows the title, status and detail as an alert', () => {
    const error = new ApiError({
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'this would leave no enabled admin; promote another account first',
    });
    const wrapper = mount(ProblemMessage, { props: { error } });
    expect(wrapper.attributes('role')).toBe('alert');
    expect(wrapper.text()).toContain('Conflict (409)');
    expect(wrapper.text()).toContain('promote another account first');
  });

  it('leaves the form’s fields to the form, and lists in words those it has no input for', () => {
    const error = new ApiError(
      invalid(
        { field: 'body.name', message: 'must not be empty' },
        { field: 'body.attributes', message: 'must be an object' },
      ),
    );
    const wrapper = mount(ProblemMessage, { props: { error, fields: { name: 'body.name' } } });
    expect(wrapper.findAll('li').map((li) => li.text())).toEqual(['attributes: Must be an object.']);
    expect(wrapper.text()).not.toContain('body.name');
    expect(wrapper.text()).not.toContain('body.');
  });

  it('says when to retry, from Retry-After', () => {
    const error = new ApiError(
      { type: 'about:blank', title: 'Too Many Requests', status: 429, detail: 'too many login attempts' },
      30,
    );
    expect(mount(ProblemMessage, { props: { error } }).text()).toContain('Try again in 30 s');
  });
});

describe('TextField', () => {
  it('labels its input and ties a server error to it', () => {
    const wrapper = mount(TextField, { props: { label: 'Name', modelValue: '', error: 'Must not be empty.' } });
    const input = wrapper.get('input');
    expect(wrapper.get('label').attributes('for')).toBe(input.attributes('id'));
    expect(input.attributes('aria-invalid')).toBe('true');
    const described = input.attributes('aria-describedby') ?? '';
    expect(wrapper.get(`[id="${described}"]`).text()).toBe('Must not be empty.');
  });
});

describe('TimelineTrack', () => {
  const window = windowOf('week', fromLocalInput('2025-03-10T00:00') as Date);
  const base = { label: 'Herbie', window, zoom: 'week' as const, ticks: scaleOf('week', window), now: new Date('2025-03-11T11:00:00Z') };
  const allocations = [
    allocation({ id: 1, start: '2025-03-10T08:00:00.000Z', end: '2025-03-10T10:00:00.000Z', holder: 'Ada' }),
    allocation({ id: 2, start: '2025-03-12T08:00:00.000Z', end: '2025-03-13T08:00:00.000Z', holder: null }),
  ];

  it('draws a booking as a button named by its holder, times and day, that selects it', async () => {
    const wrapper = mount(TimelineTrack, { props: { ...base, allocations } });
    const bars = wrapper.findAll('button.bar');
    expect(bars).toHaveLength(2);
    expect(bars[1]?.attributes('style')).toContain(`width: ${(24 / 168) * 100}%`);
    expect(wrapper.get('.track').attributes('aria-label')).toBe('Bookings of Herbie');
    // Local time (the tests run in Europe/Berlin); formats follow the runtime's locale.
    // On screen the holder and the times, each cut short if the bar is narrow; read out, the day too.
    expect(bars[0]?.get('.bar-holder').text()).toBe('Ada');
    expect(bars[0]?.get('.bar-time').text()).toMatch(/^09:00\D*–11:00\D*$/);
    expect(bars[0]?.text()).toMatch(/^Ada, 09:00\D*–11:00\D*, Mon.*(10.*Mar|Mar.*10)$/);
    expect(bars[0]?.attributes('title')).toMatch(/^Ada, Mon.*10.*09:00.* – .*11:00.*$/);
    expect(bars[1]?.text()).toMatch(/^No holder, .*Wed.*09:00.*–.*Thu.*09:00\D*$/);
    await bars[1]?.trigger('click');
    expect(wrapper.emitted('select')?.[0]).toEqual([allocations[1]]);
    // The now-line: Tuesday 12:00 local is 36 of the week's 168 hours.
    expect(wrapper.get('.now-line').attributes('style')).toContain(`left: ${(36 / 168) * 100}%`);
  });

  it('marks clashing bookings and draws the proposed period on its own lane', () => {
    const proposed = { start: new Date('2025-03-10T09:00:00Z'), end: new Date('2025-03-10T11:00:00Z') };
    const wrapper = mount(TimelineTrack, { props: { ...base, allocations, proposed, conflictIds: [1] } });
    const clash = wrapper.get('button.bar.conflict');
    expect(clash.attributes('style')).toContain('top: 0.2rem');
    expect(clash.text()).toMatch(/^Ada, .* — in the way of your booking$/);
    expect(wrapper.get('.bar.proposed').attributes('style')).toContain('top: 2.8rem'); // lane 1
  });

  it('does not draw the proposed period again once it is booked', () => {
    const booked = allocation({ id: 5, start: '2025-03-10T08:00:00.000Z', end: '2025-03-10T09:00:00.000Z' });
    const proposed = { start: new Date(booked.start), end: new Date(booked.end) };
    const wrapper = mount(TimelineTrack, { props: { ...base, allocations: [booked], proposed } });
    expect(wrapper.findAll('.bar.proposed')).toHaveLength(0);
    expect(wrapper.findAll('button.bar')).toHaveLength(1);
  });

  it('turns a drag across free time into a period on the hour grid, for operators only', async () => {
    const drag = async (canDrag: boolean) => {
      const wrapper = mount(TimelineTrack, { props: { ...base, allocations: [], canDrag } });
      const track = wrapper.get('.track');
      track.element.getBoundingClientRect = () => ({ left: 0, width: 1680, top: 0, height: 40 }) as DOMRect;
      (track.element as HTMLElement).setPointerCapture = () => undefined;
      // 10 px an hour: from Tuesday 09:20 to 11:40 (33⅓ and 35⅔ hours into the week).
      await track.trigger('pointerdown', { button: 0, clientX: 333.4, pointerId: 1, pointerType: 'mouse' });
      await track.trigger('pointermove', { clientX: 356.6, pointerId: 1 });
      expect(wrapper.findAll('.bar.proposed')).toHaveLength(canDrag ? 1 : 0);
      await track.trigger('pointerup', { clientX: 356.6, pointerId: 1 });
      return wrapper.emitted('drag');
    };
    const emitted = await drag(true);
    const period = emitted?.[0]?.[0] as { start: Date; end: Date };
    expect([toLocalInput(period.start), toLocalInput(period.end)]).toEqual(['2025-03-11T09:00', '2025-03-11T12:00']);
    expect(await drag(false)).toBeUndefined();
  });
});

describe('BookingForm', () => {
  const resources = [resource({ id: 7, name: 'Herbie' }), resource({ id: 8, name: 'KITT' })];
  // 09:00–11:00 in Europe/Berlin (UTC+1 in March) is 08:00–10:00 UTC.
  const draft = { resourceId: '7', from: '2025-03-10T09:00', to: '2025-03-10T11:00', holder: 'Bob', note: '' };

  /** fleet's 409 for an overlapping booking: members carry the instants, the detail has none. */
  const overlap: Answer<'/api/{type}/{id}/allocations', 'post', 409> = {
    type: 'about:blank',
    title: 'Conflict',
    status: 409,
    detail:
      'Car "Herbie" is already booked during part of that time: 2 bookings (held by Ada) overlap it. Choose another time or another car',
    resourceType: 'car',
    resourceId: 7,
    requested: { start: '2025-03-10T08:00:00.000Z', end: '2025-03-10T10:00:00.000Z' },
    conflicts: [
      allocation({ id: 1, start: '2025-03-10T07:00:00.000Z', end: '2025-03-10T08:30:00.000Z', holder: 'Ada' }),
      allocation({ id: 2, start: '2025-03-10T09:30:00.000Z', end: '2025-03-11T09:30:00.000Z', holder: null, note: 'service' }),
    ],
  };

  it('says who holds which period in local time, from the 409’s members', async () => {
    const calls = serve(answer('/api/{type}/{id}/allocations', 'post', 409, overlap));
    const wrapper = mount(BookingForm, {
      props: { type: cars, resources, canBook: true, modelValue: reactive({ ...draft }) },
    });
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    const [call] = calls;
    expect(`${call?.method} ${call?.url.pathname}`).toBe('POST /api/cars/7/allocations');
    expect(JSON.parse(call?.body ?? '')).toEqual({
      start: '2025-03-10T08:00:00.000Z',
      end: '2025-03-10T10:00:00.000Z',
      holder: 'Bob',
    });
    expect(call?.headers.get('idempotency-key')).toBeTruthy();
    const alert = wrapper.get('[role="alert"]');
    expect(alert.text()).toContain('Already booked (409)');
    expect(alert.text()).toMatch(/Herbie is already booked during part of Mon.*10.*09:00.* – .*11:00.*:/);
    expect(wrapper.findAll('[data-testid="conflict"]').map((li) => li.text())).toEqual([
      expect.stringMatching(/^Ada: Mon.*10.*08:00.* – .*09:30.*$/),
      expect.stringMatching(/^No holder: Mon.*10.*10:30.* – Tue.*11.*10:30.* \(service\)$/),
    ]);
    expect(alert.text()).toContain('Times are in your time zone (Europe/Berlin)');
    // Not the raw detail, and no UTC instants or ids.
    expect(alert.text()).not.toContain('held by Ada');
    expect(alert.text()).not.toMatch(/Z\b|#\d/);
    expect(wrapper.emitted('conflicts')?.at(-1)).toEqual([overlap.conflicts]);
  });

  it('shows a field error once, in words, beside the input it names', async () => {
    serve(answer('/api/{type}/{id}/allocations', 'post', 400, invalid({ field: 'body.holder', message: 'must be at most 200 characters' })));
    const wrapper = mount(BookingForm, {
      props: { type: cars, resources, canBook: true, modelValue: reactive({ ...draft }) },
    });
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    const holder = wrapper.findAllComponents(TextField).find((f) => f.props('label') === 'Holder');
    expect(holder?.props('error')).toBe('Must be at most 200 characters.');
    const input = holder?.get('input');
    expect(input?.attributes('aria-invalid')).toBe('true');
    expect(wrapper.get(`[id="${input?.attributes('aria-describedby')}"]`).text()).toBe('Must be at most 200 characters.');
    const alert = wrapper.get('[role="alert"]').text();
    expect(alert).toContain('Correct the marked field.');
    expect(alert).not.toContain('200 characters');
    expect(wrapper.text().match(/200 characters/g)).toHaveLength(1);
    expect(BOOKING_FIELDS.holder).toBe('body.holder');
  });

  it('offers the nearest period of whole slots a refused booking gave, in local time, and books it', async () => {
    const message = 'must fall on a 15-minute slot boundary (:00, :15, :30, :45 past the hour, with zero seconds)';
    const calls = serve(
      answer('/api/{type}/{id}/allocations', 'post', 400, {
        ...invalid({ field: 'body.start', message }),
        detail: 'a runway is booked in whole 15-minute slots: start and end must fall on :00, :15, :30, :45 past the hour',
        slotMinutes: 15,
        validSlotBoundaries: ':00, :15, :30, :45 past the hour, with zero seconds',
        covering: { start: '2025-03-10T07:45:00.000Z', end: '2025-03-10T10:00:00.000Z' },
      }),
      answer('/api/{type}/{id}/allocations', 'post', 201, allocation({ start: '2025-03-10T07:45:00.000Z' })),
    );
    const model = reactive({ ...draft });
    const wrapper = mount(BookingForm, { props: { type: runways, resources, canBook: true, modelValue: model } });
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    const from = wrapper.findAllComponents(TextField).find((f) => f.props('label') === 'From');
    expect(from?.props('error')).toBe(`${message.charAt(0).toUpperCase()}${message.slice(1)}.`);
    expect(wrapper.get('[role="alert"]').text()).toMatch(/nearest period of whole slots is Mon.*10.*08:45.* – .*11:00/);
    await wrapper.findAll('button').find((b) => b.text() === 'Book that period')?.trigger('click');
    await flushPromises();
    expect(JSON.parse(calls[1]?.body ?? '')).toMatchObject({
      start: '2025-03-10T07:45:00.000Z',
      end: '2025-03-10T10:00:00.000Z',
    });
    expect([model.from, model.to]).toEqual(['2025-03-10T08:45', '2025-03-10T11:00']);
    expect(wrapper.emitted('booked')).toHaveLength(1);
  });

  it('snaps an interval type to whole slots before booking', async () => {
    const calls = serve(
      answer(
        '/api/{type}/{id}/allocations',
        'post',
        201,
        allocation({ id: 3, start: '2025-03-10T08:00:00.000Z', end: '2025-03-10T08:45:00.000Z' }),
      ),
    );
    const model = reactive({ ...draft, from: '2025-03-10T09:07', to: '2025-03-10T11:00' });
    const wrapper = mount(BookingForm, { props: { type: runways, resources, canBook: true, modelValue: model } });
    // Typing the end and pressing Book at once: the blur snap and the submit snap share a tick.
    const to = wrapper.findAll('input[type="datetime-local"]')[1];
    if (!to) throw new Error('no end input');
    (to.element as HTMLInputElement).value = '2025-03-10T09:31';
    void to.trigger('input');
    void to.trigger('blur');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(JSON.parse(calls[0]?.body ?? '')).toMatchObject({
      start: '2025-03-10T08:00:00.000Z',
      end: '2025-03-10T08:45:00.000Z',
    });
    expect([model.from, model.to]).toEqual(['2025-03-10T09:00', '2025-03-10T09:45']);
    expect(wrapper.text()).toContain('Moved to whole 15-minute slots');
    expect(wrapper.emitted('booked')).toHaveLength(1);
  });

  it('sends allowPast only when ticked, and says a refused past start beside From', async () => {
    const calls = serve(
      answer('/api/{type}/{id}/allocations', 'post', 422, {
        ...invalid({ field: 'body.start', message: 'is in the past' }),
        status: 422,
        title: 'Unprocessable Content',
        reason: 'past',
        now: '2025-03-10T10:00:00.000Z',
        graceSeconds: 60,
      }),
      answer('/api/{type}/{id}/allocations', 'post', 201, allocation()),
    );
    const wrapper = mount(BookingForm, { props: { type: cars, resources, canBook: true, modelValue: reactive({ ...draft }) } });
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(JSON.parse(calls[0]?.body ?? '')).not.toHaveProperty('allowPast');
    const from = wrapper.findAllComponents(TextField).find((f) => f.props('label') === 'From');
    expect(from?.props('error')).toBe('Is in the past. Tick “Allow a start in the past” to book it anyway.');
    await wrapper.get('input[type="checkbox"]').setValue(true);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(JSON.parse(calls[1]?.body ?? '')).toMatchObject({ allowPast: true });
    expect(wrapper.emitted('booked')).toHaveLength(1);
  });

  it('drops the note that a period was moved onto the slots once the times are changed again', async () => {
    serve(answer('/api/{type}/{id}/allocations', 'post', 201, allocation()));
    const model = reactive({ ...draft, from: '2025-03-10T09:07', to: '2025-03-10T09:31' });
    const wrapper = mount(BookingForm, { props: { type: runways, resources, canBook: true, modelValue: model } });
    await wrapper.findAll('input[type="datetime-local"]')[0]?.trigger('blur');
    expect(wrapper.get('.snap-note').text()).toMatch(/^Moved to whole 15-minute slots: .*09:00.* – .*09:45/);
    model.to = '2025-03-10T10:30';
    await flushPromises();
    expect(wrapper.get('.snap-note').text()).toBe('');
  });

  it('offers a viewer the search for a free one and nothing to book with', async () => {
    const calls = serve();
    const wrapper = mount(BookingForm, { props: { type: cars, resources, canBook: false, modelValue: reactive({ ...draft }) } });
    expect(wrapper.get('h2').text()).toBe('Find a free car');
    expect(wrapper.findAll('button').map((b) => b.text())).toEqual(['Find a free car for this period']);
    expect(wrapper.findAllComponents(TextField).map((f) => f.props('label'))).toEqual(['From', 'To']);
    expect(wrapper.find('input[type="checkbox"]').exists()).toBe(false);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(calls).toHaveLength(0);
  });

  it('lists the free resources for the period and picks one', async () => {
    serve(answer('/api/{type}/available', 'get', 200, { items: [resources[1] ?? resource()], nextCursor: null }));
    const model = reactive({ ...draft });
    const wrapper = mount(BookingForm, { props: { type: cars, resources, canBook: true, modelValue: model } });
    await wrapper.findAll('button').find((b) => b.text().startsWith('Find a free car'))?.trigger('click');
    await flushPromises();
    const choose = wrapper.findAll('button').find((b) => b.text() === 'Choose KITT');
    expect(choose).toBeDefined();
    await choose?.trigger('click');
    expect(model.resourceId).toBe('8');
  });
});

describe('ResourceRow', () => {
  const props = {
    type: cars,
    resource: resource({ id: 7, name: 'Herbie' }),
    allocations: [],
    loadError: undefined,
    window: windowOf('week', fromLocalInput('2025-03-10T00:00') as Date),
    zoom: 'week' as const,
    ticks: [],
    proposed: undefined,
    conflictIds: [],
    canEdit: true,
    now: new Date('2025-03-09T12:00:00Z'),
  };
  const unended: Answer<'/api/{type}/{id}', 'delete', 409> = {
    type: 'about:blank',
    title: 'Conflict',
    status: 409,
    detail:
      'Car "Herbie" still has 3 bookings that have not ended: cancel them first, or delete with force=true to cancel them too',
    resourceType: 'car',
    resourceId: 7,
    unendedCount: 3,
    conflicts: [
      allocation({ id: 1, start: '2025-03-10T08:00:00.000Z', end: '2025-03-10T10:00:00.000Z', holder: 'Ada' }),
      allocation({ id: 2, start: '2025-03-11T08:00:00.000Z', end: '2025-03-11T09:00:00.000Z', holder: 'Bob' }),
    ],
  };
  const click = async (wrapper: ReturnType<typeof mount>, text: string | RegExp) => {
    const button = wrapper.findAll('button').find((b) => (typeof text === 'string' ? b.text() === text : text.test(b.text())));
    if (!button) throw new Error(`no button ${String(text)}`);
    await button.trigger('click');
    await flushPromises();
  };

  it('lists the unended bookings in local time and removes them too with the button that retries with force', async () => {
    const calls = serve(answer('/api/{type}/{id}', 'delete', 409, unended), noContent());
    const wrapper = mount(ResourceRow, { props });
    await click(wrapper, 'Remove');
    await wrapper.get('.confirm button.danger').trigger('click'); // the confirmation
    await flushPromises();
    expect(`${calls[0]?.url.pathname}${calls[0]?.url.search}`).toBe('/api/cars/7');
    const alert = wrapper.get('[data-testid="unended-bookings"]');
    expect(alert.attributes('role')).toBe('alert');
    expect(alert.text()).toContain('Herbie has 3 bookings that have not ended:');
    expect(alert.findAll('li').map((li) => li.text())).toEqual([
      expect.stringMatching(/^Ada: Mon.*10.*09:00.* – .*11:00.*$/),
      expect.stringMatching(/^Bob: Tue.*11.*09:00.* – .*10:00.*$/),
      'and 1 booking more',
    ]);
    expect(alert.text()).not.toContain('force=true');
    await click(wrapper, /^Cancel all 3 bookings and remove Herbie$/);
    expect(`${calls[1]?.method} ${calls[1]?.url.pathname}${calls[1]?.url.search}`).toBe('DELETE /api/cars/7?force=true');
    expect(wrapper.emitted('removed')).toHaveLength(1);
  });

  it('cancels a booking only once asked twice, and says so to the page for its undo', async () => {
    const booked = allocation({ id: 4, start: '2025-03-11T08:00:00.000Z', end: '2025-03-11T09:00:00.000Z', holder: 'Ada' });
    const calls = serve(noContent());
    const wrapper = mount(ResourceRow, { props: { ...props, allocations: [booked] } });
    await wrapper.get('button.bar').trigger('click');
    await click(wrapper, 'Cancel this booking');
    expect(calls).toHaveLength(0);
    expect(wrapper.text()).toContain('Cancel Ada’s booking?');
    await click(wrapper, 'Yes, cancel it');
    expect(`${calls[0]?.method} ${calls[0]?.url.pathname}`).toBe('DELETE /api/cars/7/allocations/4');
    expect(wrapper.emitted('cancelled')).toEqual([[booked]]);
  });

  it('offers a viewer no Book, Remove or Cancel', async () => {
    const booked = allocation({ id: 4, start: '2025-03-11T08:00:00.000Z', end: '2025-03-11T09:00:00.000Z' });
    const wrapper = mount(ResourceRow, { props: { ...props, allocations: [booked], canEdit: false } });
    await wrapper.get('button.bar').trigger('click');
    const buttons = wrapper.findAll('button').map((b) => b.attributes('aria-label') ?? b.text());
    expect(buttons.some((name) => /^(Book|Remove|Cancel)/.test(name))).toBe(false);
    expect(wrapper.find('.track.draggable').exists()).toBe(false);
  });

  it('keeps the resource when asked to', async () => {
    serve(answer('/api/{type}/{id}', 'delete', 409, unended));
    const wrapper = mount(ResourceRow, { props });
    await click(wrapper, 'Remove');
    await wrapper.get('.confirm button.danger').trigger('click');
    await flushPromises();
    await click(wrapper, 'Keep Herbie');
    expect(wrapper.find('[data-testid="unended-bookings"]').exists()).toBe(false);
    expect(wrapper.emitted('removed')).toBeUndefined();
  });
});

describe('UsersPage', () => {
  it('shows a refused password once, in words, beside the Password input', async () => {
    const { calls } = serveBy((call) => {
      if (call.url.pathname === '/api/api-keys') return answer('/api/api-keys', 'get', 200, { items: [], nextCursor: null });
      if (call.method === 'GET') return answer('/api/users', 'get', 200, { items: [user()], nextCursor: null });
      return answer(
        '/api/users',
        'post',
        400,
        invalid({ field: 'body.password', message: 'must be at least 8 characters' }),
      );
    });
    const wrapper = mount(UsersPage, { global: { stubs: { UserRow: true } } });
    await flushPromises();
    const field = (label: string) => wrapper.findAllComponents(TextField).find((f) => f.props('label') === label);
    await field('Username')?.get('input').setValue('olga');
    await field('Password')?.get('input').setValue('short');
    await wrapper.get('input[type="radio"][value="operator"]').setValue(true);
    await wrapper.get('form[aria-labelledby="new-user-title"]').trigger('submit');
    await flushPromises();
    const post = calls.find((c) => c.method === 'POST');
    expect(JSON.parse(post?.body ?? '')).toEqual({ username: 'olga', password: 'short', roles: ['operator'] });
    expect(field('Password')?.props('error')).toBe('Must be at least 8 characters.');
    expect(wrapper.text().match(/8 characters/g)).toHaveLength(1);
    expect(wrapper.text()).not.toContain('body.');
    expect(wrapper.get('[role="alert"]').text()).toContain('Correct the marked field.');
  });
});

describe('ConfirmButton', () => {
  it('asks before it acts, and can be called off', async () => {
    const wrapper = mount(ConfirmButton, {
      props: { label: 'Delete', question: 'Delete #3?', accessibleLabel: 'Delete translation #3' },
      attachTo: document.body,
    });
    expect(wrapper.get('button').attributes('aria-label')).toBe('Delete translation #3');
    await wrapper.get('button').trigger('click');
    expect(wrapper.text()).toContain('Delete #3?');
    expect(document.activeElement?.textContent?.trim()).toBe('Delete');
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Keep')
      ?.trigger('click');
    expect(wrapper.emitted('confirm')).toBeUndefined();
    await wrapper.get('button').trigger('click');
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Delete')
      ?.trigger('click');
    expect(wrapper.emitted('confirm')).toHaveLength(1);
    wrapper.unmount();
  });
});
