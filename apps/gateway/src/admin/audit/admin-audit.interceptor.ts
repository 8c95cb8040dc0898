import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { type Observable, tap } from 'rxjs';

/**
 * Hands the id of what an admin request created (a tenant, a key, a run) to its pending audit
 * event, for routes whose path names no target. The event itself is written by AdminAuditService.
 */
@Injectable()
export class AdminAuditInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    return next.handle().pipe(
      tap((result: unknown) => {
        if (!req.adminAudit || typeof result !== 'object' || result === null) return;
        const id = (result as { id?: unknown }).id;
        if (typeof id === 'string') req.adminAudit.targetId = id;
      }),
    );
  }
}
