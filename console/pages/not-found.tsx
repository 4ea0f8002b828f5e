export function NotFoundPage() {
  return (
    <section>
      <h1 tabIndex={-1}>Not found</h1>
      <p>
        There is no console page here. <a href="/console">Go to the dashboard</a>.
      </p>
    </section>
  );
}
