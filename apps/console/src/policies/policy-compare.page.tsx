/** Placeholder until this page lands (being built in this session). */
export function PolicyComparePage() {
  return (
    <section>
      <h1>Compare policy versions</h1>
    </section>
  );
}
