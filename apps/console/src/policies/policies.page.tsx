/** Placeholder until this page lands (being built in this session). */
export function PoliciesPage() {
  return (
    <section>
      <h1>Policies</h1>
    </section>
  );
}
