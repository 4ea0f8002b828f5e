export function DashboardPage() {
  return (
    <section>
      <h1 tabIndex={-1}>dashboard</h1>
    </section>
  );
}
