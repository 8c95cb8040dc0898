/** Placeholder until this page lands (being built in this session). */
export function DiffDetailPage() {
  return (
    <section>
      <h1>Diff</h1>
    </section>
  );
}
