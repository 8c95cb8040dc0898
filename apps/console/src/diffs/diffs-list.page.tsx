/** Placeholder until this page lands (being built in this session). */
export function DiffsListPage() {
  return (
    <section>
      <h1>Diffs</h1>
    </section>
  );
}
