export function RulesPage() {
  return (
    <section>
      <h1 tabIndex={-1}>rules</h1>
    </section>
  );
}
