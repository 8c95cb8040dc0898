/** Placeholder until this page lands (being built in this session). */
export function GoldenRunPage() {
  return (
    <section>
      <h1>Golden run</h1>
    </section>
  );
}
