import { ConfigError, loadConfig } from './config';

describe('configuration', () => {
  describe('RATE_LIMIT_PER_MINUTE', () => {
    it('defaults to 6000 per API key; 0 turns the limit off', () => {
      expect(loadConfig({}).RATE_LIMIT_PER_MINUTE).toBe(6000);
      expect(loadConfig({ RATE_LIMIT_PER_MINUTE: '0' }).RATE_LIMIT_PER_MINUTE).toBe(0);
    });

    it.each(['-1', '1.5', 'lots'])('refuses %s', (value) => {
      expect(() => loadConfig({ RATE_LIMIT_PER_MINUTE: value })).toThrow(/RATE_LIMIT_PER_MINUTE/);
    });
  });

  describe('CORS_ORIGINS', () => {
    it('allows no origin by default', () => {
      expect(loadConfig({}).CORS_ORIGINS).toEqual([]);
    });

    it('is a comma-separated list of origins', () => {
      expect(loadConfig({ CORS_ORIGINS: 'https://dash.example.org, http://localhost:5173,' }).CORS_ORIGINS).toEqual([
        'https://dash.example.org',
        'http://localhost:5173',
      ]);
    });

    it.each(['dash.example.org', 'https://dash.example.org/', 'https://dash.example.org/app', '*'])('refuses %s, which is no origin', (value) => {
      expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(ConfigError);
      expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(/CORS_ORIGINS.*scheme, host and port only/);
    });
  });
});
