import { uploadRetentionHoursFromEnv } from '../gateway/config';
import { sweepFiles } from '../gateway/file-sweeper';
import { fileStoreFromEnv } from '../subgraphs/kit/platform/files';

// `npm run files:sweep`: one sweep of expired, unused uploads (gateway/file-sweeper.ts) on the
// store the environment names (UPLOAD_DIR or FILE_STORE=s3 …), after UPLOAD_RETENTION_HOURS.
// For deployments that sweep from cron instead of the gateway's timer (UPLOAD_SWEEP_INTERVAL_MINUTES=0).
async function main() {
  const retentionHours = uploadRetentionHoursFromEnv();
  const result = await sweepFiles(fileStoreFromEnv(), { retentionHours });
  console.log(
    `swept uploads older than ${retentionHours} h: ${result.deletedFiles.length} files, ${result.deletedOwnerships} ownership records, ${result.deletedUsageRecords} usage records deleted; ${result.keptOwnerships} ownership records kept`,
  );
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
