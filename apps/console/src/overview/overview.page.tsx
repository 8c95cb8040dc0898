import './overview.css';
import { BreakersPanel } from './breakers-panel.component';
import { ExplorationPanel } from './exploration-panel.component';
import { QualityPanel } from './quality-panel.component';
import { UsagePanel } from './usage-panel.component';

/**
 * The first screen. Each panel asks for its own data and shows its own error, so one refused call
 * (a tenant key on a global-only endpoint, say) leaves the others working; charts load last.
 */
export function OverviewPage() {
  return (
    <section>
      <h1>Overview</h1>
      <UsagePanel />
      <QualityPanel />
      <div className="overview-grid">
        <ExplorationPanel />
        <BreakersPanel />
      </div>
    </section>
  );
}
