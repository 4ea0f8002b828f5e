// `npx tsx scripts/record-claim-histories.ts`: records the histories of the 'payment-claims' paths
// (resubmits answered from a claim, runs that open no cycle, joined and refused payments) under
// test/fixtures/histories/payment-claims/, which test/cycles/claims-replay.test.ts replays. Kept apart
// from scripts/record-histories.ts so re-recording these never touches the committed message paths.
import { cycleWorkflowId, documentOf, type FailedPayment } from '../domain/failed-payment';
import { outFolder, startRecorder } from './history-recorder';

const recorder = await startRecorder({
  taskQueue: 'record-claim-histories',
  out: outFolder(['payment-claims']),
});
const { client, cycles } = recorder;
const payment = recorder.payment;
const slow = { account: { segment: 'slow' } };

/** Every run of the document's workflow so far, oldest first, each awaited to its end. */
async function runsOf(p: FailedPayment): Promise<string[]> {
  const workflowId = cycleWorkflowId(documentOf(p));
  const runs: { runId: string; start: number }[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId="${workflowId}"` })) {
    runs.push({ runId: w.runId, start: w.startTime.getTime() });
  }
  runs.sort((a, b) => a.start - b.start);
  for (const r of runs) await client.workflow.getHandle(workflowId, r.runId).result();
  return runs.map((r) => r.runId);
}

const save = (name: string, p: FailedPayment, runId: string) =>
  recorder.save(name, client.workflow.getHandle(cycleWorkflowId(documentOf(p)), runId));

try {
  {
    // A cycle that collects, then the same payment again by Update and by Signal: two runs that open
    // no cycle and answer from the claim.
    const p = payment('sim.approve');
    await cycles.submit(p);
    await cycles.handle(documentOf(p)).result();
    await cycles.submit(p);
    await cycles.handle(documentOf(p)).result();
    await cycles.submitAsync(p);
    await cycles.handle(documentOf(p)).result();
    const [collected, replayUpdate, replaySignal] = await runsOf(p);
    if (!collected || !replayUpdate || !replaySignal) throw new Error('expected three runs');
    await save('collected-then-resubmitted', p, collected);
    await save('resubmit-answered-from-claim', p, replayUpdate);
    await save('resignal-of-claimed-payment', p, replaySignal);
  }
  {
    // A cycle that stops at once, with parallel identical submits.
    const p = payment('sim.approve', { gateway_response_code: 'lost_card' });
    await Promise.allSettled(Array.from({ length: 5 }, () => cycles.submit(p)));
    const [first] = await runsOf(p);
    if (!first) throw new Error('expected a run');
    await save('parallel-submits-stopping', p, first);
  }
  {
    // Joined, refused and claimed-elsewhere payments on a sleeping cycle, then removed.
    const other = payment('sim.approve', slow);
    await cycles.submit(other);
    const p = payment('sim.approve', slow);
    await cycles.submit(p);
    await cycles.submit(p);
    await cycles.submit({ ...p, payment_id: `${p.payment_id}-b` });
    await cycles.submitAsync({ ...p, payment_id: `${p.payment_id}-eur`, currency: 'EUR' });
    await cycles.submitAsync({ ...p, payment_id: other.payment_id });
    await cycles.submit({ ...p, payment_id: `${p.payment_id}-c` });
    await cycles.remove(documentOf(p));
    await cycles.remove(documentOf(other));
    const [run] = await runsOf(p);
    if (!run) throw new Error('expected a run');
    await save('joined-refused-and-claimed-elsewhere', p, run);
  }
  {
    // A new payment for a document its last cycle collected in full.
    const p = payment('sim.approve');
    await cycles.submit(p);
    await cycles.handle(documentOf(p)).result();
    await cycles.submit({ ...p, payment_id: `${p.payment_id}-2`, ...slow });
    await cycles.remove(documentOf(p));
    const [, second] = await runsOf(p);
    if (!second) throw new Error('expected two runs');
    await save('new-payment-for-collected-document', p, second);
  }
} finally {
  await recorder.close();
}
