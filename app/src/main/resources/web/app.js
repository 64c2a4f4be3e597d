// The chat page: sign up and log in, rooms with unread badges, messages with live updates, edits
// and deletes of your own messages, who is online and who is typing. Every message is shown once,
// by id, in id order, in its latest state, however often the network repeats it (retries, replays
// after a reconnect): a change is applied only when it is newer than what the page shows.
import {ApiError, call, newIdempotencyKey} from './api.js';
import {follow, overview} from './live.js';

const $ = id => document.getElementById(id);
const TYPING_EVERY_MS = 3000;
const UNREAD_BURST_MS = 150;
const UNREAD_RETRY_MS = 1000;
// The server broadcasts at most one typing signal per user and room a second and absorbs the rest;
// a signal after a send waits that second from the last one, plus a margin for the trip there.
const TYPING_ABSORBED_MS = 1200;
const state = {
  user: null, roomId: null, shown: new Map(), live: null, lastPosition: 0, overview: null,
  unread: new Map(), online: new Map(), typing: new Map(), lastTyping: 0, afterSend: false, typingSoon: null, readTimer: null,
  unreadTimer: null, unreadAsked: 0, unreadApplied: 0,
};

function status(text) {
  $('status').textContent = text || '';
}

function describe(error) {
  return error instanceof ApiError ? `${error.problem?.title || 'Refused'}: ${error.message}` : `Network error: ${error.message}`;
}

function credentials() {
  return {username: $('username').value.trim(), password: $('password').value};
}

async function logIn() {
  const {body} = await call('POST', '/api/session', credentials());
  signedIn(body);
}

async function signUp() {
  await call('POST', '/api/users', credentials());
  await logIn();
}

function signedIn(user) {
  state.user = user;
  $('who').textContent = `Signed in as ${user.username}`;
  $('logout').hidden = false;
  $('auth').hidden = true;
  $('chat').hidden = false;
  status('');
  loadRooms();
}

function signedOut() {
  leaveCurrentRoom();
  state.overview?.close();
  state.overview = null;
  state.user = null;
  $('who').textContent = '';
  $('logout').hidden = true;
  $('auth').hidden = false;
  $('chat').hidden = true;
}

async function loadRooms() {
  const list = $('rooms');
  list.replaceChildren();
  const mine = [];
  let cursor = null;
  do {
    const query = cursor ? `?limit=100&cursor=${encodeURIComponent(cursor)}` : '?limit=100';
    const {body} = await call('GET', `/api/rooms${query}`);
    for (const room of body.items) {
      list.append(roomItem(room));
      if (room.unread !== null && room.unread !== undefined) {
        mine.push(room.id);
        setUnread(room.id, room.unread);
      }
    }
    cursor = body.next;
  } while (cursor);
  state.overview?.close();
  state.overview = overview(mine, {
    // The server counts: a message elsewhere asks it again (once per burst) instead of adding one
    // here, which would count twice a message the last answer already held.
    message: frame => {
      if (frame.roomId !== state.roomId && frame.userId !== state.user?.id) refreshUnreadSoon();
    },
    read: () => refreshUnread(),
    reconnected: () => refreshUnread(),
  });
}

function refreshUnreadSoon() {
  if (state.unreadTimer) return;
  state.unreadTimer = setTimeout(() => { state.unreadTimer = null; refreshUnread(); }, UNREAD_BURST_MS);
}

/** The badges from one request (what a phone would show); an answer older than the last applied is dropped. */
async function refreshUnread() {
  const asked = ++state.unreadAsked;
  let body;
  try {
    ({body} = await call('GET', '/api/unread'));
  } catch {
    // An instance restarting or Redis away: ask again in a moment while signed in.
    if (state.user) setTimeout(refreshUnreadSoon, UNREAD_RETRY_MS);
    return;
  }
  if (asked < state.unreadApplied) return;
  state.unreadApplied = asked;
  for (const room of body.rooms) setUnread(room.roomId, room.roomId === state.roomId ? 0 : room.unread);
}

function setUnread(roomId, count) {
  state.unread.set(roomId, count);
  const badge = document.querySelector(`#rooms button[data-room-id="${roomId}"] .badge`);
  if (!badge) return;
  badge.textContent = count > 0 ? String(count) : '';
  badge.hidden = count === 0;
}

function roomItem(room) {
  const item = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  button.dataset.roomId = room.id;
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = room.name;
  const badge = document.createElement('span');
  badge.className = 'badge';
  badge.hidden = true;
  button.append(name, ' ', badge);
  button.addEventListener('click', () => enterRoom(room).catch(e => status(describe(e))));
  item.append(button);
  return item;
}

function leaveCurrentRoom() {
  state.live?.close();
  state.live = null;
  state.roomId = null;
  state.shown.clear();
  state.lastPosition = 0;
  state.online.clear();
  for (const {timer} of state.typing.values()) clearTimeout(timer);
  state.typing.clear();
  clearTimeout(state.typingSoon);
  state.typingSoon = null;
  clearTimeout(state.readTimer);
  $('messages').replaceChildren();
  $('online').replaceChildren();
  $('typing').textContent = '';
}

async function enterRoom(room) {
  leaveCurrentRoom();
  state.roomId = room.id;
  for (const b of $('rooms').querySelectorAll('button')) b.setAttribute('aria-current', String(b.dataset.roomId === String(room.id)));
  $('room-title').textContent = room.name;
  await call('POST', `/api/rooms/${room.id}/members`);
  state.overview?.add(room.id);
  // History first (page by page, each message as it is now), then live from the last position: the
  // stream replays anything in between, edits and deletes included.
  let after = 0;
  for (;;) {
    const {body, instance} = await call('GET', `/api/rooms/${room.id}/messages?after=${after}&limit=100`);
    body.items.forEach(m => {
      show(m, m.id, instance, 'loaded');
      state.lastPosition = Math.max(state.lastPosition, m.id);
    });
    if (body.next === null || body.items.length === 0) break;
    after = body.next;
  }
  const {body: present} = await call('GET', `/api/rooms/${room.id}/presence`);
  present.users.forEach(u => state.online.set(u.userId, u.username));
  renderOnline();
  $('compose').hidden = false;
  markRead();
  const transport = document.querySelector('input[name="transport"]:checked').value;
  state.live = follow(room.id, transport, () => state.lastPosition, {
    change: (type, message, position) => {
      // Only the stream moves the resume position: it has delivered everything before it.
      state.lastPosition = Math.max(state.lastPosition, position);
      show(message, position, null, 'live');
      markRead();
    },
    typing: event => typing(event),
    presence: event => {
      if (event.online) state.online.set(event.userId, event.username);
      else state.online.delete(event.userId);
      renderOnline();
    },
    read: () => setUnread(room.id, 0),
    state: text => { $('live-state').textContent = text; },
    signedOut,
  });
}

/**
 * Shows a message once, in id order, in its latest state. {@code position} is where the page learned
 * of it in the room's log: a copy from an older position (a replay) changes nothing but the instance.
 * An answer to the page's own edit or delete has no position of its own; it counts as just after the
 * copy shown, and the stream's copy of the same change then finds nothing new.
 */
function show(message, position, instance, how) {
  if (message.roomId !== state.roomId) return;
  const existing = state.shown.get(message.id);
  if (existing) {
    if (instance && !existing.dataset.instance) setInstance(existing, instance, how);
    if (position > Number(existing.dataset.position)) render(existing, message, position);
    return;
  }
  const item = document.createElement('li');
  item.dataset.messageId = message.id;
  const author = document.createElement('strong');
  author.textContent = message.username;
  const text = document.createElement('span');
  text.className = 'text';
  const edited = document.createElement('span');
  edited.className = 'edited';
  const meta = document.createElement('span');
  meta.className = 'meta';
  item.append(author, ': ', text, ' ', edited, ' ', meta);
  if (message.userId === state.user?.id) item.append(actions(item));
  render(item, message, position);
  setInstance(item, instance, how);
  state.shown.set(message.id, item);
  const list = $('messages');
  const later = [...list.children].find(li => Number(li.dataset.messageId) > message.id);
  list.insertBefore(item, later || null);
  list.scrollTop = list.scrollHeight;
  // The author's message ends their typing indicator.
  stopTyping(message.userId);
}

function render(item, message, position) {
  item.dataset.position = position;
  item.dataset.deleted = String(message.deleted);
  item.querySelector('.text').textContent = message.deleted ? 'message deleted' : message.text;
  item.querySelector('.edited').textContent = !message.deleted && message.editedAt ? '(edited)' : '';
  item.querySelector('.actions')?.toggleAttribute('hidden', message.deleted);
}

function actions(item) {
  const box = document.createElement('span');
  box.className = 'actions';
  const edit = document.createElement('button');
  edit.type = 'button';
  edit.className = 'edit';
  edit.textContent = 'Edit';
  edit.addEventListener('click', () => startEdit(item));
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.className = 'delete';
  remove.textContent = 'Delete';
  remove.addEventListener('click', () => {
    call('DELETE', `/api/rooms/${state.roomId}/messages/${item.dataset.messageId}`)
      .then(({body}) => show(body, Number(item.dataset.position) + 0.5, null, 'deleted'))
      .catch(e => status(describe(e)));
  });
  box.append(edit, remove);
  return box;
}

function startEdit(item) {
  const form = document.createElement('form');
  form.className = 'edit-form';
  const input = document.createElement('input');
  input.value = item.querySelector('.text').textContent;
  input.maxLength = 4000;
  input.setAttribute('aria-label', 'Edit message');
  const save = document.createElement('button');
  save.type = 'submit';
  save.textContent = 'Save';
  form.append(input, save);
  form.addEventListener('submit', event => {
    event.preventDefault();
    call('PATCH', `/api/rooms/${state.roomId}/messages/${item.dataset.messageId}`, {text: input.value})
      .then(({body}) => { form.remove(); show(body, Number(item.dataset.position) + 0.5, null, 'edited'); })
      .catch(e => status(describe(e)));
  });
  item.append(form);
  input.focus();
}

function renderOnline() {
  const list = $('online');
  list.replaceChildren(...[...state.online.entries()].sort((x, y) => x[1].localeCompare(y[1])).map(([id, name]) => {
    const li = document.createElement('li');
    li.dataset.userId = id;
    li.textContent = name;
    return li;
  }));
}

function typing(event) {
  if (event.roomId !== state.roomId || event.userId === state.user?.id) return;
  stopTyping(event.userId);
  const timer = setTimeout(() => stopTyping(event.userId), event.expiresInMs);
  state.typing.set(event.userId, {name: event.username, timer});
  renderTyping();
}

function stopTyping(userId) {
  const entry = state.typing.get(userId);
  if (!entry) return;
  clearTimeout(entry.timer);
  state.typing.delete(userId);
  renderTyping();
}

function renderTyping() {
  const names = [...state.typing.values()].map(t => t.name).sort();
  $('typing').textContent = names.length === 0 ? '' : `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} typing…`;
}

/** Moves the read marker to the last position shown (debounced), which clears this room's badge on every device. */
function markRead() {
  clearTimeout(state.readTimer);
  const roomId = state.roomId;
  state.readTimer = setTimeout(() => {
    if (roomId !== state.roomId || document.hidden) return;
    setUnread(roomId, 0);
    call('POST', `/api/rooms/${roomId}/read`, {upTo: state.lastPosition}).catch(() => {});
  }, 300);
}

function setInstance(item, instance, how) {
  if (instance) item.dataset.instance = instance;
  item.querySelector('.meta').textContent = instance ? `(${how} via ${instance})` : `(${how})`;
}

async function send(text) {
  const roomId = state.roomId;
  const key = newIdempotencyKey();   // one key for every retry of this message: stored once
  const {body, instance} = await call('POST', `/api/rooms/${roomId}/messages`, {text}, {
    idempotencyKey: key,
    onRetry: (attempt, why) => status(`Sending again (${why}, attempt ${attempt + 1})…`),
  });
  status('');
  show(body, body.id, instance, 'posted');
}

$('auth-form').addEventListener('submit', event => {
  event.preventDefault();
  logIn().catch(e => status(describe(e)));
});
$('signup').addEventListener('click', () => {
  if ($('auth-form').reportValidity()) signUp().catch(e => status(describe(e)));
});
$('logout').addEventListener('click', () => {
  call('DELETE', '/api/session').catch(() => {}).finally(signedOut);
});
$('new-room').addEventListener('submit', event => {
  event.preventDefault();
  const name = $('room-name').value.trim();
  call('POST', '/api/rooms', {name})
    .then(({body}) => { $('room-name').value = ''; $('rooms').append(roomItem(body)); return enterRoom(body); })
    .catch(e => status(describe(e)));
});
$('text').addEventListener('input', signalTyping);

// "I am typing" at most every TYPING_EVERY_MS while the user types. After a send the next message's
// first keystroke signals again, but not within the server's window of the last signal, where it
// would be absorbed and the others would see nothing: then it goes out when the window ends.
function signalTyping() {
  if (!state.live || !$('text').value) return;
  const wait = state.lastTyping + TYPING_EVERY_MS - Date.now();
  if (wait <= 0) {
    clearTimeout(state.typingSoon);
    state.typingSoon = null;
    state.lastTyping = Date.now();
    state.afterSend = false;
    state.live.typing();
  } else if (state.afterSend && state.typingSoon === null) {
    state.typingSoon = setTimeout(() => { state.typingSoon = null; signalTyping(); }, wait);
  }
}
$('compose').addEventListener('submit', event => {
  event.preventDefault();
  const input = $('text');
  const text = input.value;
  if (!text.trim()) return;
  input.value = '';
  // The next message may signal as soon as the server's window of the last signal has passed.
  state.lastTyping = Math.min(state.lastTyping, Date.now()) - TYPING_EVERY_MS + TYPING_ABSORBED_MS;
  state.afterSend = true;
  send(text).catch(e => { input.value = input.value || text; status(describe(e)); });
});

// Already signed in (the session cookie is HttpOnly: ask the server).
call('GET', '/api/session').then(({body}) => signedIn(body)).catch(() => signedOut());
