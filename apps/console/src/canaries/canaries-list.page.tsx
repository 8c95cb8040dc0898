/** Placeholder until this page lands (being built in this session). */
export function CanariesListPage() {
  return (
    <section>
      <h1>Canaries</h1>
    </section>
  );
}
