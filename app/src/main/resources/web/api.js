// The API over fetch, with what the contract asks of clients: reads and keyed posts are retried on
// 502, 503, 504 or a failed connection, after Retry-After when the server names it, else after a
// doubling back-off; a post keeps one Idempotency-Key for all its retries, so it is stored once.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

const RETRYABLE = new Set([502, 503, 504]);
const MAX_ATTEMPTS = 8;

export function newIdempotencyKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
}

const pause = ms => new Promise(resolve => setTimeout(resolve, ms));

function waitBefore(attempt, response) {
  const retryAfter = Number(response?.headers.get('Retry-After'));
  if (Number.isFinite(retryAfter) && retryAfter >= 0 && response.headers.has('Retry-After')) {
    return retryAfter * 1000;
  }
  return Math.min(2000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
}

/**
 * One call: {status, body, instance}. Throws ApiError for a refusal (4xx, or 5xx once retries are
 * spent), with the server's problem+json when it sent one.
 */
export async function call(method, path, body, {idempotencyKey, onRetry} = {}) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  const retryable = method === 'GET' || Boolean(idempotencyKey);
  for (let attempt = 1; ; attempt++) {
    let response;
    try {
      response = await fetch(path, {
        method, headers, credentials: 'same-origin',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (failure) {
      if (!retryable || attempt >= MAX_ATTEMPTS) throw failure;
      onRetry?.(attempt, 'no answer');
      await pause(waitBefore(attempt));
      continue;
    }
    if (RETRYABLE.has(response.status) && retryable && attempt < MAX_ATTEMPTS) {
      onRetry?.(attempt, `HTTP ${response.status}`);
      await pause(waitBefore(attempt, response));
      continue;
    }
    const text = await response.text();
    const parsed = text ? JSON.parse(text) : null;
    if (!response.ok) throw new ApiError(response.status, parsed);
    return {status: response.status, body: parsed, instance: response.headers.get('X-Instance-Id')};
  }
}
