/** Placeholder until this page lands (being built in this session). */
export function SpanDetailPage() {
  return (
    <section>
      <h1>Span</h1>
    </section>
  );
}
