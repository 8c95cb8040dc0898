import type {} from '@fastify/multipart';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { OpenAiHttpError } from '../../errors/openai-error.js';
import { DATASET_LIMITS, type DatasetLimits } from './datasets-admin.tokens.js';

/** An uploaded dataset file, whichever way it came. */
export interface UploadedDatasetFile {
  bytes: Buffer;
  contentType?: string;
  /** Multipart only. */
  filename?: string;
}

const tooLarge = (max: number): OpenAiHttpError =>
  new OpenAiHttpError(413, `The dataset file is larger than the limit of ${max} bytes.`, 'invalid_request_error', 'request_too_large');

/**
 * Reads an upload route's body: the raw bytes the gateway's parser handed over, or the first file
 * of a multipart form (other form fields are ignored; options go in the query string).
 */
@Injectable()
export class DatasetUploadService {
  constructor(@Inject(DATASET_LIMITS) private readonly limits: DatasetLimits) {}

  async read(request: FastifyRequest): Promise<UploadedDatasetFile> {
    if (request.isMultipart()) return this.readMultipart(request);
    const body: unknown = request.body;
    if (!Buffer.isBuffer(body) || body.length === 0) throw emptyUpload();
    return { bytes: body, contentType: request.headers['content-type'] };
  }

  private async readMultipart(request: FastifyRequest): Promise<UploadedDatasetFile> {
    const { maxBytes } = this.limits;
    try {
      const file = await request.file({ limits: { files: 1, fileSize: maxBytes, fields: 20, fieldSize: 64 * 1024, parts: 21 } });
      if (!file) throw emptyUpload();
      const bytes = await file.toBuffer();
      if (bytes.length === 0) throw emptyUpload();
      return { bytes, contentType: file.mimetype, filename: file.filename };
    } catch (error) {
      if (error instanceof OpenAiHttpError) throw error;
      const code = (error as { code?: unknown }).code;
      if (code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(maxBytes);
      // Anything else is the client's stream failing to parse: Fastify's FST_ codes, and busboy's plain
      // errors ('Unexpected end of form', 'Malformed part header'), which were answered as 500s.
      throw new OpenAiHttpError(400, `Could not read the multipart upload: ${(error as Error).message}.`, 'invalid_request_error', 'invalid_multipart');
    }
  }
}

const emptyUpload = (): OpenAiHttpError =>
  new OpenAiHttpError(400, 'No dataset file: send it as the request body, or as a file in a multipart form.', 'invalid_request_error', 'missing_file');
