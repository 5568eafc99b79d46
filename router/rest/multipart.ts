// multipart/form-data uploads (deck imports, images), read with busboy into memory within limits.
import busboy from 'busboy';
import type { Request } from 'express';
import { RestError } from './standard-response.js';

export interface UploadedFile {
  field: string;
  filename: string;
  /** As the client declared it; often application/octet-stream. */
  mimeType: string;
  /** Empty when the file was larger than the limit. */
  bytes: Buffer;
  tooLarge: boolean;
}

export interface MultipartLimits {
  /** Form fields whose files are kept; files in other fields are read and dropped. */
  fileFields: readonly string[];
  maxFiles: number;
  maxFileBytes: number;
  maxFields?: number;
}

export interface MultipartBody {
  files: UploadedFile[];
  fields: Record<string, string>;
  /** More files were sent than `maxFiles`; the extra ones were dropped. */
  tooManyFiles: boolean;
}

export function readMultipart(req: Request, limits: MultipartLimits): Promise<MultipartBody> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: limits.maxFileBytes, files: limits.maxFiles, fields: limits.maxFields ?? 10 } });
    } catch {
      const field = limits.fileFields[0];
      reject(new RestError(400, 'INVALID_REQUEST', `Send the file as multipart/form-data in the field "${field}"`, { field }));
      return;
    }
    const fields: Record<string, string> = {};
    const files: UploadedFile[] = [];
    let tooManyFiles = false;
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (!limits.fileFields.includes(name)) {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      let tooLarge = false;
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        tooLarge = true;
      });
      stream.on('end', () => {
        files.push({ field: name, filename: info.filename ?? 'upload', mimeType: info.mimeType, bytes: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks), tooLarge });
      });
    });
    parser.on('filesLimit', () => {
      tooManyFiles = true;
    });
    parser.on('error', () => reject(new RestError(400, 'INVALID_REQUEST', 'Malformed multipart body')));
    parser.on('close', () => resolve({ files, fields, tooManyFiles }));
    req.pipe(parser);
  });
}
