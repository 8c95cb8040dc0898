/** Placeholder until this page lands (being built in this session). */
export function CanaryPage() {
  return (
    <section>
      <h1>Canary</h1>
    </section>
  );
}
