// The SDK takes no AbortSignal: an activity's cancellation abandons the call instead.

/** `call`, or the signal's reason as soon as it aborts (the call itself runs on; its answer is dropped). */
export async function raced<T>(call: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return await call;
  signal.throwIfAborted();
  return await new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    // A late answer is harmless: the retry of the activity goes out with the same key.
    call.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
