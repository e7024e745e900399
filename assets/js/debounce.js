// debounce delays a call until `wait` ms pass without another one; the last
// arguments win. Timers are injectable for tests.

export function debounce(fn, wait, timers = globalThis) {
  let timer = null;
  const debounced = (...args) => {
    if (timer !== null) timers.clearTimeout(timer);
    timer = timers.setTimeout(() => {
      timer = null;
      fn(...args);
    }, wait);
  };
  debounced.cancel = () => {
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
  };
  return debounced;
}
