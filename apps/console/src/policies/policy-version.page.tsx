/** Placeholder until this page lands (being built in this session). */
export function PolicyVersionPage() {
  return (
    <section>
      <h1>Policy version</h1>
    </section>
  );
}
