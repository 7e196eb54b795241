import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { storableString } from '@app/domain';
import { ApiKeysRepository, ApiKeyView } from '../auth/api-keys.repository';
import { RequireRole } from '../auth/auth.decorator';
import { ROLES } from '../auth/roles';
import { ApiAnswer, ApiJsonBody, ApiPathParam, ApiProblem } from '../openapi/api-docs.decorators';
import { ApiKeyListSchema, CreatedApiKeySchema } from '../openapi/response-schemas';
import { Problem } from '../problems/problem';
import { parseInput } from '../validation/parse';
import { JsonBody } from '../http/json-body.decorator';

const createApiKeySchema = z.strictObject({
  name: storableString().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
  role: z.enum(ROLES),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@ApiTags('api-keys')
@Controller('v1/api-keys')
@RequireRole('admin')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysRepository) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an API key; the secret is shown only in this answer' })
  @ApiJsonBody(createApiKeySchema, { name: 'ops-laptop', role: 'operator' })
  @ApiAnswer(201, CreatedApiKeySchema, 'the new key, with its secret')
  @ApiProblem(400, 'invalid name or role (`errors` names each field at fault)')
  async create(@JsonBody() body: unknown): Promise<{ id: string; name: string; role: string; key: string }> {
    const { name, role } = parseInput(createApiKeySchema, body, 'API key');
    const created = await this.apiKeys.create(name, role);
    return { id: created.id, name: created.name, role: created.role, key: created.key };
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (no secrets)' })
  @ApiAnswer(200, ApiKeyListSchema, 'every key, revoked ones too, oldest first')
  async list(): Promise<{ apiKeys: ApiKeyView[] }> {
    return { apiKeys: await this.apiKeys.list() };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key; it stops working at once' })
  @ApiPathParam('id', { type: 'string', format: 'uuid' })
  @ApiResponse({ status: 204, description: 'revoked (revoking twice is harmless)' })
  @ApiProblem(404, 'no such key')
  async revoke(@Param('id') id: string): Promise<void> {
    if (!UUID.test(id) || !(await this.apiKeys.revoke(id))) {
      throw new Problem(404, 'api-key-not-found', `there is no API key with id "${id}"`);
    }
  }
}
