'use strict';
/**
 * Failure messages and stack traces are not payloads: by default they are stored in plain text.
 * With encodeCommonAttributes they travel as an encoded payload, so the encryption codec covers
 * them too. Plain JavaScript on purpose: Temporal `require`s this file by path (workers, clients,
 * the workflow bundle), also where no TypeScript loader is installed.
 */
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
