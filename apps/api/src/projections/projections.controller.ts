import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { isProjectionName, PROJECTION_NAMES, ProjectionAdmin } from '@app/projections';
import { ProjectionNudger } from '@app/queues';
import { RequireRole } from '../auth/auth.decorator';
import { ApiAnswer, ApiPathParam, ApiProblem } from '../openapi/api-docs.decorators';
import { ProjectionListSchema, RebuildAcceptedSchema } from '../openapi/response-schemas';
import { Problem } from '../problems/problem';

@ApiTags('projections')
@Controller('v1/projections')
@RequireRole('admin')
export class ProjectionsController {
  constructor(
    private readonly admin: ProjectionAdmin,
    private readonly nudger: ProjectionNudger,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Position, lag and status of every projection' })
  @ApiAnswer(200, ProjectionListSchema, 'every projection')
  async list() {
    return { projections: await this.admin.statuses() };
  }

  @Post(':name/rebuild')
  @HttpCode(202)
  @ApiOperation({ summary: 'Rebuild a projection from the log beside the live one, then switch over at once' })
  @ApiPathParam('name', { type: 'string', enum: [...PROJECTION_NAMES] }, 'personnel')
  @ApiAnswer(202, RebuildAcceptedSchema, 'the rebuild is under way (or already was)')
  @ApiProblem(404, 'no such projection')
  async rebuild(@Param('name') name: string) {
    if (!isProjectionName(name)) {
      throw new Problem(404, 'projection-not-found', `there is no projection "${name}"; expected one of ${PROJECTION_NAMES.join(', ')}`);
    }
    const { generation, started } = await this.admin.requestRebuild(name);
    await this.nudger.nudge();
    return { name, generation, status: 'rebuilding', started };
  }
}
