import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from './config';
import type { Logger } from './logger';
import { applyCatalog, readCatalogFile } from './catalog/catalog-file';
import type { Services } from './services';

/**
 * Makes sure an admin can get in: `SLUICE_ADMIN_KEY` becomes an admin key; without it, a fresh instance
 * creates one and writes its secret to `<data dir>/admin-key` (mode 600) rather than into the logs.
 */
export async function bootstrapAdmin(config: Config, services: Services, logger: Logger): Promise<void> {
  if (config.SLUICE_ADMIN_KEY) {
    await services.keys.ensureAdmin(config.SLUICE_ADMIN_KEY);
    logger.info('admin key: the value of SLUICE_ADMIN_KEY; send it as the X-API-Key header');
    return;
  }
  const file = resolve(join(config.SLUICE_DATA_DIR, 'admin-key'));
  if (await services.keys.hasGlobalAdmin()) {
    logger.info({ file }, `admin key: use an existing admin key (a generated one, if any, is in ${file}); send it as the X-API-Key header`);
    return;
  }
  const created = await services.keys.create({ name: 'generated-admin', roles: ['admin'], sources: ['*'] });
  await mkdir(config.SLUICE_DATA_DIR, { recursive: true });
  await writeFile(file, `${created.key}\n`, { mode: 0o600 });
  logger.info({ file }, `admin key: generated and written to ${file}; send it as the X-API-Key header, e.g. -H "X-API-Key: $(cat ${file})"`);
}

/** Applies the catalog file, unless it is `none`. */
export async function bootstrapCatalog(config: Config, services: Services, logger: Logger): Promise<void> {
  const path = config.SLUICE_CATALOG_FILE;
  if (path === 'none') return;
  const file = await readCatalogFile(resolve(path));
  const { changed } = await applyCatalog(services.catalog, file);
  logger.info({ file: path, changed }, changed.length ? 'catalog applied' : 'catalog unchanged');
}
