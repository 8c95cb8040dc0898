/** Placeholder until this page lands (being built in this session). */
export function DatasetsPage() {
  return (
    <section>
      <h1>Datasets & runs</h1>
    </section>
  );
}
