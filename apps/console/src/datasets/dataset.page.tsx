/** Placeholder until this page lands (being built in this session). */
export function DatasetPage() {
  return (
    <section>
      <h1>Dataset</h1>
    </section>
  );
}
