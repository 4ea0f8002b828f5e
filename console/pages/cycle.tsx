export function CyclePage() {
  return (
    <section>
      <h1 tabIndex={-1}>cycle</h1>
    </section>
  );
}
