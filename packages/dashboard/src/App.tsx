/** The dashboard shell. The inventory, approvals and audit views are still to come. */
export function App() {
  return (
    <main>
      <h1>Warden</h1>
      <p>The dashboard is not built yet; use the HTTP API or the `warden` CLI.</p>
    </main>
  );
}
