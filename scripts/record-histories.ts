// `npm run histories:record`: runs one cycle down each message path on a throwaway dev server and
// saves its event history under test/fixtures/histories/. The replay test replays them against the
// current workflow code, so a change that breaks determinism for running cycles fails CI.
// Re-record (and review the diff) only when a change is meant to be incompatible, e.g. behind patched().
import { setTimeout as sleep } from 'node:timers/promises';
import { documentOf, type FailedPayment } from '../domain/failed-payment';
import { outFolder, startRecorder } from './history-recorder';

const recorder = await startRecorder({ taskQueue: 'record-histories', out: outFolder([]) });
const { cycles } = recorder;
const payment = recorder.payment;
const slow = { account: { segment: 'slow' } };

const scenarios: Record<string, () => Promise<FailedPayment>> = {
  'collected-on-attempt-3': async () => {
    const p = payment('sim.insufficient_funds.approve');
    await cycles.submit(p);
    return p;
  },
  'hard-decline': async () => {
    const p = payment('sim.approve', { gateway_response_code: 'lost_card' });
    await cycles.submit(p);
    return p;
  },
  'attempts-exhausted': async () => {
    const p = payment('sim.insufficient_funds');
    await cycles.submit(p);
    return p;
  },
  'execute-now': async () => {
    const p = payment('sim.approve', slow);
    await cycles.submit(p);
    await cycles.executeNow(documentOf(p));
    return p;
  },
  remove: async () => {
    const p = payment('sim.approve', slow);
    await cycles.submit(p);
    await cycles.remove(documentOf(p));
    return p;
  },
  'pause-resume': async () => {
    const p = payment('sim.approve', { account: { segment: 'two-seconds' } });
    await cycles.submit(p);
    await cycles.pause(documentOf(p));
    await sleep(3000);
    await cycles.resume(documentOf(p));
    return p;
  },
  'external-payments': async () => {
    const p = payment('sim.insufficient_funds', slow);
    await cycles.submit(p);
    await cycles.paymentReceived(documentOf(p), { amount: '40.00', currency: 'USD', payment_id: 'E-1' });
    await cycles.executeNow(documentOf(p));
    await sleep(1000);
    await cycles.paymentReceived(documentOf(p), { amount: '60.00', currency: 'USD' });
    return p;
  },
  'payment-method-updated': async () => {
    const p = payment('sim.insufficient_funds', slow);
    await cycles.submit(p);
    await cycles.paymentMethodUpdated(documentOf(p), `sim.approve#pm-${recorder.count}`);
    return p;
  },
  'submits-onto-active-cycle': async () => {
    const p = payment('sim.approve', slow);
    await cycles.submit(p);
    await cycles.submit(p);
    await cycles.submitAsync({ ...p, payment_id: `${p.payment_id}-b` });
    await cycles.submit({ ...p, payment_id: `${p.payment_id}-c` });
    await cycles.remove(documentOf(p));
    return p;
  },
};

try {
  for (const [name, run] of Object.entries(scenarios)) {
    const p = await run();
    const handle = cycles.handle(documentOf(p));
    await handle.result();
    await recorder.save(name, handle);
  }
} finally {
  await recorder.close();
}
