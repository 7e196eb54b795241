// Prisma CLI configuration: migrations run through the JavaScript engine and the pg driver
// adapter, so no native engine has to be downloaded (see ../shared/ENVIRONMENT.md).
import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';

// schema.prisma reads env("DATABASE_URL"); give it the same default as the application.
process.env.DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/missions';
const connectionString = process.env.DATABASE_URL;

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  // A short idle timeout lets the CLI exit as soon as it is done.
  adapter: async () => new PrismaPg({ connectionString, idleTimeoutMillis: 100, allowExitOnIdle: true }),
});
