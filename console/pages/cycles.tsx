export function CyclesPage() {
  return (
    <section>
      <h1 tabIndex={-1}>cycles</h1>
    </section>
  );
}
