import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reactive } from 'vue';
import { RESOURCE_TYPES } from '../src/api/fleet';
import { ApiError, toProblem } from '../src/api/problem';
import BookingForm from '../src/components/BookingForm.vue';
import ConfirmButton from '../src/components/ConfirmButton.vue';
import ProblemMessage from '../src/components/ProblemMessage.vue';
import TextField from '../src/components/TextField.vue';
import WeekTimeline from '../src/components/WeekTimeline.vue';
import { fromLocalInput } from '../src/lib/time';

const cars = RESOURCE_TYPES.find((t) => t.path === 'cars');
const runways = RESOURCE_TYPES.find((t) => t.path === 'runways');
if (!cars || !runways) throw new Error('resource types missing');

describe('ProblemMessage', () => {
  it('shows the title, status and detail as an alert', () => {
    const error = new ApiError(toProblem(409, 'Conflict', { detail: 'car 1 is already booked' }));
    const wrapper = mount(ProblemMessage, { props: { error } });
    expect(wrapper.attributes('role')).toBe('alert');
    expect(wrapper.text()).toContain('Conflict (409)');
    expect(wrapper.text()).toContain('car 1 is already booked');
  });

  it('lists field errors the form does not show itself', () => {
    const error = new ApiError(
      toProblem(400, '', {
        detail: 'invalid',
        errors: [
          { field: 'body.name', message: 'must not be empty' },
          { field: 'body.attributes', message: 'must be object' },
        ],
      }),
    );
    const wrapper = mount(ProblemMessage, { props: { error, shownFields: ['name'] } });
    expect(wrapper.findAll('li').map((li) => li.text())).toEqual(['attributes must be object']);
  });

  it('says when to retry', () => {
    const error = new ApiError(toProblem(429, '', { detail: 'too many attempts', retryAfter: 30 }));
    expect(mount(ProblemMessage, { props: { error } }).text()).toContain('Try again in 30 s');
  });
});

describe('TextField', () => {
  it('labels its input and ties a server error to it', () => {
    const wrapper = mount(TextField, {
      props: { label: 'Name', modelValue: '', error: 'must not be empty' },
    });
    const input = wrapper.get('input');
    const label = wrapper.get('label');
    expect(label.attributes('for')).toBe(input.attributes('id'));
    expect(input.attributes('aria-invalid')).toBe('true');
    const described = input.attributes('aria-describedby') ?? '';
    expect(wrapper.get(`[id="${described}"]`).text()).toBe('must not be empty');
  });
});

describe('WeekTimeline', () => {
  const weekStart = fromLocalInput('2025-03-10T00:00') as Date;
  const allocations = [
    {
      id: 1,
      resourceId: 7,
      start: '2025-03-10T08:00:00.000Z',
      end: '2025-03-10T10:00:00.000Z',
      holder: 'Ada',
    },
    {
      id: 2,
      resourceId: 7,
      start: '2025-03-12T08:00:00.000Z',
      end: '2025-03-13T08:00:00.000Z',
      holder: null,
    },
  ];

  it('draws a bar per booking and lists them as buttons that select it', async () => {
    const wrapper = mount(WeekTimeline, { props: { label: 'Herbie', allocations, weekStart } });
    const bars = wrapper.findAll('.track .bar');
    expect(bars).toHaveLength(2);
    expect(bars[1]?.attributes('style')).toContain(`width: ${(24 / 168) * 100}%`);
    expect(wrapper.get('.track').attributes('aria-hidden')).toBe('true');
    const list = wrapper.get('ul.booking-list');
    expect(list.attributes('aria-label')).toBe('Bookings of Herbie this week');
    const chips = list.findAll('button');
    expect(chips.map((chip) => chip.text())).toEqual([
      // Formats follow the runtime's locale: check the parts, not the punctuation.
      expect.stringMatching(/^Mon.*10.*09:00.* – .*11:00.* · Ada$/),
      expect.stringMatching(/^Wed.*12.*09:00.* – Thu.*13.*09:00.* · no holder$/),
    ]);
    await chips[1]?.trigger('click');
    expect(wrapper.emitted('select')?.[0]).toEqual([allocations[1]]);
    await bars[0]?.trigger('click');
    expect(wrapper.emitted('select')?.[1]).toEqual([allocations[0]]);
  });

  it('marks clashing bookings and draws the proposed period on its own lane', () => {
    const proposed = { start: new Date('2025-03-10T09:00:00Z'), end: new Date('2025-03-10T11:00:00Z') };
    const wrapper = mount(WeekTimeline, {
      props: { label: 'Herbie', allocations, weekStart, proposed, conflictIds: [1] },
    });
    expect(wrapper.get('.track .bar.conflict').attributes('style')).toContain('top: 0.25rem');
    expect(wrapper.get('button.booking-chip.conflict').text()).toMatch(/clashes with your period/);
    const ghost = wrapper.get('.bar.proposed');
    expect(ghost.attributes('style')).toContain('top: 2rem'); // lane 1
  });
});

describe('BookingForm', () => {
  afterEach(() => vi.unstubAllGlobals());
  const resources = [
    { id: 7, type: 'car', name: 'Herbie', createdAt: '2025-01-01T00:00:00Z' },
    { id: 8, type: 'car', name: 'KITT', createdAt: '2025-01-01T00:00:00Z' },
  ];
  const draft = {
    resourceId: '7',
    from: '2025-03-10T09:00',
    to: '2025-03-10T11:00',
    holder: 'Bob',
    note: '',
  };

  it('shows the clashing booking from the 409 body', async () => {
    const problem = {
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'the period overlaps allocation #1',
      resourceId: 7,
      conflicts: [
        {
          id: 1,
          resourceId: 7,
          start: '2025-03-10T08:00:00.000Z',
          end: '2025-03-10T10:00:00.000Z',
          holder: 'Ada',
          note: null,
        },
      ],
    };
    const fetchMock = vi.fn(
      async () =>
        new Response(JSON.stringify(problem), {
          status: 409,
          headers: { 'content-type': 'application/problem+json' },
        }),
    );
    vi.stubGlobal('fetch', fetchMock);
    const wrapper = mount(BookingForm, {
      props: { type: cars, resources, canBook: true, modelValue: reactive({ ...draft }) },
    });
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/cars/7/allocations');
    expect(JSON.parse(String(init.body))).toEqual({
      start: '2025-03-10T08:00:00.000Z',
      end: '2025-03-10T10:00:00.000Z',
      holder: 'Bob',
    });
    expect((init.headers as Record<string, string>)['Idempotency-Key']).toBeTruthy();
    expect(wrapper.get('[role="alert"]').text()).toContain('the period overlaps allocation #1');
    const conflict = wrapper.get('[data-testid="conflict"]').text();
    expect(conflict).toContain('Herbie');
    expect(conflict).toContain('Ada');
    expect(wrapper.emitted('conflicts')?.at(-1)).toEqual([problem.conflicts]);
  });

  it('snaps an interval type to whole slots before booking', async () => {
    const fetchMock = vi.fn(
      async () =>
        new Response(
          JSON.stringify({
            id: 3,
            resourceId: 7,
            start: '2025-03-10T08:00:00.000Z',
            end: '2025-03-10T08:45:00.000Z',
          }),
          { status: 201, headers: { 'content-type': 'application/json' } },
        ),
    );
    vi.stubGlobal('fetch', fetchMock);
    const model = reactive({ ...draft, from: '2025-03-10T09:07', to: '2025-03-10T11:00' });
    const wrapper = mount(BookingForm, {
      props: { type: runways, resources, canBook: true, modelValue: model },
    });
    // Typing the end and pressing Book at once: the blur snap and the submit snap share a tick.
    const to = wrapper.findAll('input[type="datetime-local"]')[1];
    if (!to) throw new Error('no end input');
    (to.element as HTMLInputElement).value = '2025-03-10T09:31';
    void to.trigger('input');
    void to.trigger('blur');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    const [, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(JSON.parse(String(init.body))).toMatchObject({
      start: '2025-03-10T08:00:00.000Z',
      end: '2025-03-10T08:45:00.000Z',
    });
    expect([model.from, model.to]).toEqual(['2025-03-10T09:00', '2025-03-10T09:45']);
    expect(wrapper.text()).toContain('Moved to whole 15-minute slots');
    expect(wrapper.emitted('booked')).toHaveLength(1);
  });

  it('lists the free resources for the period and picks one', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(
        async () =>
          new Response(JSON.stringify({ items: [resources[1]], nextCursor: null }), {
            status: 200,
            headers: { 'content-type': 'application/json' },
          }),
      ),
    );
    const model = reactive({ ...draft });
    const wrapper = mount(BookingForm, {
      props: { type: cars, resources, canBook: true, modelValue: model },
    });
    const find = wrapper.findAll('button').find((b) => b.text().startsWith('Find a free car'));
    await find?.trigger('click');
    await flushPromises();
    const choose = wrapper.findAll('button').find((b) => b.text() === 'Choose KITT');
    expect(choose).toBeDefined();
    await choose?.trigger('click');
    expect(model.resourceId).toBe('8');
  });
});

describe('WeekTimeline after booking', () => {
  it('does not draw the proposed period again once it is booked', () => {
    const weekStart = fromLocalInput('2025-03-10T00:00') as Date;
    const booked = {
      id: 5,
      resourceId: 7,
      start: '2025-03-10T08:00:00.000Z',
      end: '2025-03-10T09:00:00.000Z',
    };
    const proposed = { start: new Date(booked.start), end: new Date(booked.end) };
    const wrapper = mount(WeekTimeline, {
      props: { label: 'Herbie', allocations: [booked], weekStart, proposed },
    });
    expect(wrapper.findAll('.bar.proposed')).toHaveLength(0);
    expect(wrapper.findAll('.track .bar')).toHaveLength(1);
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
