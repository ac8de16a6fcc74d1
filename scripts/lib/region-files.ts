import { loadAllRegionFiles, RegionFileError, REGIONS_DIR } from '../../subgraphs/kit/domain/region-file';

/**
 * Every region file through the checks the subgraphs run at start, those across files included
 * (region code, type prefix and port unique; hosts consistent): null when all pass, else the report,
 * in English and Chinese, each problem naming its file (and the other file for a duplicate).
 */
export function regionFilesReport(dir = REGIONS_DIR): string | null {
  try {
    loadAllRegionFiles(dir);
    return null;
  } catch (e) {
    if (!(e instanceof RegionFileError)) throw e;
    return `The region files are broken (地区文件有误):\n${e.message}`;
  }
}
