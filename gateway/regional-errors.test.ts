import { classifySubgraphError, subgraphFailure } from './regional-errors';

describe('subgraph failures, mapped in one place', () => {
  it('names a region by service, code and name; the national subgraph by service', () => {
    expect(subgraphFailure('guangdong-yunfu', 'SUBGRAPH_TIMEOUT', { extensions: { timeoutMs: 3000 } })).toMatchObject({
      message: '云浮市区域服务在 3000 毫秒内未响应，请稍后重试',
      extensions: {
        code: 'SUBGRAPH_TIMEOUT',
        retryable: true,
        serviceName: 'guangdong-yunfu',
        regionCode: '445300',
        regionName: '云浮市',
        timeoutMs: 3000,
      },
    });
    const national = subgraphFailure('national', 'SUBGRAPH_UNAVAILABLE', { path: ['person'] });
    expect(national.message).toBe('全国服务暂时无法连接，请稍后重试');
    expect(national.path).toEqual(['person']);
    expect(national.extensions).toEqual({ code: 'SUBGRAPH_UNAVAILABLE', retryable: true, serviceName: 'national' });
    expect(subgraphFailure('sichuan-panzhihua', 'OUTCOME_UNKNOWN').message).toContain('相同的幂等键');
    expect(subgraphFailure('sichuan-panzhihua', 'SUBGRAPH_ERROR').extensions.retryable).toBe(false);
  });

  it('classifies what a subgraph answers: bugs become SUBGRAPH_ERROR, contract codes keep their word, the rest pass', () => {
    const bug = classifySubgraphError('guangdong-yunfu', {
      message: '服务内部错误，请稍后重试',
      path: ['_entities', 0],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(bug).toEqual({
      message: '云浮市区域服务内部错误，请联系运维人员',
      path: ['_entities', 0],
      extensions: {
        code: 'SUBGRAPH_ERROR',
        retryable: false,
        serviceName: 'guangdong-yunfu',
        regionCode: '445300',
        regionName: '云浮市',
      },
    });
    expect(
      classifySubgraphError('guangdong-yunfu', { message: 'x' } as {
        message: string;
        extensions?: Record<string, unknown>;
      }).extensions,
    ).toMatchObject({
      code: 'SUBGRAPH_ERROR',
    });
    const database = classifySubgraphError('guangdong-yunfu', {
      message: '云浮市医保数据库暂时不可用',
      extensions: { code: 'REGION_DATABASE_UNAVAILABLE', retryable: false },
    });
    expect(database).toMatchObject({
      message: '云浮市医保数据库暂时不可用',
      extensions: { code: 'REGION_DATABASE_UNAVAILABLE', retryable: false, regionCode: '445300' },
    });
    for (const code of ['BAD_USER_INPUT', 'FORBIDDEN', 'UNAUTHENTICATED', 'NOT_FOUND']) {
      const error = { message: '无权访问', extensions: { code } };
      expect(classifySubgraphError('guangdong-yunfu', error)).toBe(error);
    }
  });
});
