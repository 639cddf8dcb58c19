-- API keys may expire, and may act with less than their owner's roles (issue 17). Both null for
-- every key made before: no expiry, the owner's roles as they are at each request.
alter table api_keys add column expires_at timestamptz;
alter table api_keys add column role text check (role in ('viewer', 'operator', 'admin'));

-- The browser that holds a session (its User-Agent, cut to 256 characters), so that its owner can
-- tell their sessions apart. Null for sessions started before, and for clients that send none.
alter table refresh_tokens add column user_agent text check (length(user_agent) <= 256);
