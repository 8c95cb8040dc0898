/** Placeholder until this page lands (being built in this session). */
export function SpansSearchPage() {
  return (
    <section>
      <h1>Spans</h1>
    </section>
  );
}
