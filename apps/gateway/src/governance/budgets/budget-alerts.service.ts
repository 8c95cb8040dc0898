import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@switchyard/config';
import type { BudgetAlert } from './budget-ledger.js';

const WEBHOOK_TIMEOUT_MS = 5_000;

/** The JSON a soft-alert webhook receives. */
export interface BudgetAlertPayload {
  type: 'budget.soft_alert';
  scope: { kind: 'key' | 'tenant' | 'workload'; id: string };
  window: string;
  windowKind: 'day' | 'month' | 'rolling';
  capUsd: number;
  thresholdUsd: number;
  spentUsd: number;
  at: string;
}

/**
 * Soft budget alerts: a warning log line and a webhook, once per window (the ledger decides
 * "once" atomically in Redis, so only one instance ever sends it). Delivery never blocks or
 * fails a request.
 */
@Injectable()
export class BudgetAlerts {
  private readonly logger = new Logger(BudgetAlerts.name);
  private readonly webhookUrl: string | undefined;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.webhookUrl = config.budgets.alertWebhookUrl;
  }

  fire(alert: BudgetAlert): void {
    const { budget, scope } = alert;
    const payload: BudgetAlertPayload = {
      type: 'budget.soft_alert',
      scope,
      window: alert.window,
      windowKind: budget.window,
      capUsd: budget.usd,
      thresholdUsd: budget.usd * budget.alertFraction,
      spentUsd: alert.spentUsd,
      at: new Date().toISOString(),
    };
    this.logger.warn(
      `budget alert: ${scope.kind} ${scope.id} has spent $${alert.spentUsd.toFixed(6)} of its $${budget.usd} ${budget.window} budget (${alert.window}), past the ${Math.round(budget.alertFraction * 100)}% alert`,
    );
    if (this.webhookUrl) void this.post(this.webhookUrl, payload);
  }

  private async post(url: string, payload: BudgetAlertPayload): Promise<void> {
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload), signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS) });
      await res.body?.cancel();
      if (!res.ok) this.logger.warn(`budget alert webhook answered ${res.status}`);
    } catch (err) {
      this.logger.warn(`budget alert webhook failed: ${(err as Error).message}`);
    }
  }
}
