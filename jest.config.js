// Unit specs live beside the pure code (libs/**/*.spec.ts); integration and end-to-end
// specs (test/*.int-spec.ts, test/*.e2e-spec.ts) run against real PostgreSQL and Redis,
// each suite in a database of its own cloned from a migrated template.
/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/test/**/*.int-spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
    // content-disposition 3 (used by @fastify/static, which Swagger UI needs) ships only ES
    // modules; Node 20 requires them natively but Jest's module system needs them compiled.
    '/node_modules/content-disposition/.+\\.js$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
  },
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
  moduleNameMapper: { '^@app/(domain|config|database|event-store|queues|projections|api-client)(.*)$': '<rootDir>/libs/$1/src$2' },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
};
