/** Placeholder until this page lands (being built in this session). */
export function OverviewPage() {
  return (
    <section>
      <h1>Overview</h1>
    </section>
  );
}
