// The chat page: sign up and log in, rooms, messages with live updates. Every message is shown once,
// by id, in id order, however often the network repeats it (retries, replays after a reconnect).
import {ApiError, call, newIdempotencyKey} from './api.js';
import {follow} from './live.js';

const $ = id => document.getElementById(id);
const state = {user: null, roomId: null, shown: new Map(), live: null, lastId: 0};

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
  state.user = null;
  $('who').textContent = '';
  $('logout').hidden = true;
  $('auth').hidden = false;
  $('chat').hidden = true;
}

async function loadRooms() {
  const list = $('rooms');
  list.replaceChildren();
  let cursor = null;
  do {
    const query = cursor ? `?limit=100&cursor=${encodeURIComponent(cursor)}` : '?limit=100';
    const {body} = await call('GET', `/api/rooms${query}`);
    for (const room of body.items) list.append(roomItem(room));
    cursor = body.next;
  } while (cursor);
}

function roomItem(room) {
  const item = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = room.name;
  button.dataset.roomId = room.id;
  button.addEventListener('click', () => enterRoom(room).catch(e => status(describe(e))));
  item.append(button);
  return item;
}

function leaveCurrentRoom() {
  state.live?.close();
  state.live = null;
  state.roomId = null;
  state.shown.clear();
  state.lastId = 0;
  $('messages').replaceChildren();
}

async function enterRoom(room) {
  leaveCurrentRoom();
  state.roomId = room.id;
  for (const b of $('rooms').querySelectorAll('button')) b.setAttribute('aria-current', String(b.dataset.roomId === String(room.id)));
  $('room-title').textContent = room.name;
  await call('POST', `/api/rooms/${room.id}/members`);
  // History first (page by page), then live from the last id: the stream replays anything in between.
  let after = 0;
  for (;;) {
    const {body, instance} = await call('GET', `/api/rooms/${room.id}/messages?after=${after}&limit=100`);
    body.items.forEach(m => show(m, instance, 'loaded'));
    if (body.next === null || body.items.length === 0) break;
    after = body.next;
  }
  $('compose').hidden = false;
  const transport = document.querySelector('input[name="transport"]:checked').value;
  state.live = follow(room.id, transport, () => state.lastId,
    message => show(message, null, 'live'), text => { $('live-state').textContent = text; }, signedOut);
}

/** Shows a message once, in id order; a repeat only fills in what the first copy lacked. */
function show(message, instance, how) {
  if (message.roomId !== state.roomId) return;
  const existing = state.shown.get(message.id);
  if (existing) {
    if (instance && !existing.dataset.instance) setInstance(existing, instance, how);
    return;
  }
  const item = document.createElement('li');
  item.dataset.messageId = message.id;
  const meta = document.createElement('span');
  meta.className = 'meta';
  const text = document.createElement('span');
  text.className = 'text';
  text.textContent = message.text;
  const author = document.createElement('strong');
  author.textContent = message.username;
  item.append(author, ': ', text, ' ', meta);
  setInstance(item, instance, how);
  state.shown.set(message.id, item);
  state.lastId = Math.max(state.lastId, message.id);
  const list = $('messages');
  const later = [...list.children].find(li => Number(li.dataset.messageId) > message.id);
  list.insertBefore(item, later || null);
  list.scrollTop = list.scrollHeight;
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
  show(body, instance, 'posted');
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
$('compose').addEventListener('submit', event => {
  event.preventDefault();
  const input = $('text');
  const text = input.value;
  if (!text.trim()) return;
  input.value = '';
  send(text).catch(e => { input.value = input.value || text; status(describe(e)); });
});

// Already signed in (the session cookie is HttpOnly: ask the server).
call('GET', '/api/session').then(({body}) => signedIn(body)).catch(() => signedOut());
