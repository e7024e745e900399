// The live panels' and the screen's server-sent events (htmx's SSE
// extension) without "[object Event]" in the console: the extension hands
// the browser's bare error event to htmx, which logs it as an error every
// time the server is out of reach. The event says nothing a player or a
// developer can use (the extension reconnects by itself), so the handler
// gets no event and htmx logs nothing. Loaded after the extension.

/**
 * quietEventSource opens an EventSource whose error handler (as the SSE
 * extension sets it) is called without the event.
 */
export function quietEventSource(url, EventSourceImpl = globalThis.EventSource) {
  const source = new EventSourceImpl(url, { withCredentials: true });
  let handler = null;
  Object.defineProperty(source, 'onerror', {
    configurable: true,
    get: () => handler,
    set: (fn) => { handler = typeof fn === 'function' ? fn : null; },
  });
  source.addEventListener('error', () => handler?.());
  return source;
}

if (globalThis.htmx) globalThis.htmx.createEventSource = (url) => quietEventSource(url);
