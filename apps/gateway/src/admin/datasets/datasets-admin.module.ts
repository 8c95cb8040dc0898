import { type DynamicModule, Module, type ModuleMetadata, type Provider } from '@nestjs/common';
import { AdminKeyGuard } from '../admin-key.guard.js';
import { DatasetFileService } from './dataset-file.service.js';
import { DatasetUploadService } from './dataset-upload.service.js';
import { DatasetsAdminController } from './datasets-admin.controller.js';
import { DatasetsAdminService } from './datasets-admin.service.js';
import { DATASET_LIMITS, DEFAULT_DATASET_LIMITS } from './datasets-admin.tokens.js';

export interface DatasetsAdminModuleOptions {
  imports?: ModuleMetadata['imports'];
  /**
   * Whatever of ADMIN_KEY, DatasetRepository and SpanRepository the imports (or a global module)
   * do not already provide; DATASET_LIMITS too, to replace the defaults (50 MB, 100k items).
   */
  providers?: Provider[];
}

/** `/admin/datasets`: dataset uploads, versions and items, behind the admin key. */
@Module({})
export class DatasetsAdminModule {
  static register(options: DatasetsAdminModuleOptions = {}): DynamicModule {
    return {
      module: DatasetsAdminModule,
      imports: options.imports ?? [],
      controllers: [DatasetsAdminController],
      // A DATASET_LIMITS among the given providers replaces the default: the later registration wins.
      providers: [{ provide: DATASET_LIMITS, useValue: DEFAULT_DATASET_LIMITS }, ...(options.providers ?? []), AdminKeyGuard, DatasetFileService, DatasetUploadService, DatasetsAdminService],
      exports: [DATASET_LIMITS],
    };
  }
}
