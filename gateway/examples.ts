// Example operations: the explorers (Sandbox, local GraphiQL) open with them, the README shows them,
// and the integration tests run them, so they cannot silently rot.

const REGIONS_OVERVIEW = `# 各统筹区门特政策一览：渠道、审核时限、病种目录、待遇标准
query RegionsOverview {
  regions {
    code
    name
    province
    hotline
    channels { id name kind reviewWorkingDays { min max } }
    reviewDeadline { workingDays { min max } description }
    diseases { code name }
    costSharing { insuranceType deductible source }
  }
}`;

export const PANZHIHUA_DUE_DATE = `# 攀枝花：2026-02-12 受理，15个工作日（跨春节调休）何时办结？
query PanzhihuaDueDate {
  region(code: "510400") {
    name
    dueDate(acceptedOn: "2026-02-12", channelId: "sichuan-medical-insurance-app") { date workingDays provisional }
  }
}`;

const YUNFU_ESTIMATE = `# 云浮：职工医保、高血压、门诊费用 7820 元，本年度已付起付线 200 元
query YunfuEstimate {
  region(code: "445300") {
    name
    materialRequirements(diseaseCode: "M02101") { kind name required condition }
    estimateReimbursement(input: {
      insuranceType: EMPLOYEE, diseaseCode: "M03900", amount: "7820.00", age: 52, deductiblePaidThisYear: "200.00"
    }) { deductibleApplied rate fundPays selfPays explanation illustrative }
  }
}`;

export const EXAMPLE_OPERATIONS = [REGIONS_OVERVIEW, PANZHIHUA_DUE_DATE, YUNFU_ESTIMATE];

// Signed-in examples: paste a token from `npm run token` into the explorer's Headers first.

export const MY_RECORDS = `# ── 以下示例需要登录 ──────────────────────────────────────────
# 1. 在终端运行：npm run token -- --role APPLICANT --person P000003
#    （审核人员：--role REVIEWER --region 510400；全国经办：--role NATIONAL_OPERATOR）
# 2. 在下方的 Headers 中添加（Sandbox 或本地调试器 /explorer）：Authorization: Bearer <上一步输出的令牌>
# 申请人：我在各统筹区的申请、认定与异地就医备案（需申请人令牌）
query MyRecords {
  me {
    name
    idNumberMasked
    records {
      region { name }
      applications { acceptanceNumber status dueDate { date } overdue }
      certifications { disease { name } validFrom validUntil renewableFrom }
      remoteCareFilings { residenceRegionName validFrom }
    }
  }
}`;

export const SUBMIT_APPLICATION = `# 申请人：向攀枝花申请门特认定（材料先通过 POST /uploads 上传，填入返回的 sha256）
mutation SubmitPanzhihua {
  submitPanzhihuaApplication(input: {
    type: NEW, diseaseCode: "M01600", channelId: "sichuan-medical-insurance-app", insuredRegionCode: "510400",
    idempotencyKey: "example-1",
    materials: [
      { kind: ID_CARD, stamped: false, fileName: "身份证.jpg", sha256: "0000000000000000000000000000000000000000000000000000000000000000" }
    ]
  }) {
    application { acceptanceNumber status dueDate { date workingDays } }
    problems { code field message }
  }
}`;

const REVIEW_APPLICATION = `# 审核人员：要求补充材料（需本统筹区审核人员令牌）
mutation ReviewPanzhihua($acceptanceNumber: String!) {
  reviewPanzhihuaApplication(acceptanceNumber: $acceptanceNumber, decision: REQUEST_SUPPLEMENT, reason: "请补充近半年检查报告") {
    application { status history { status actor note } }
    problems { code message }
  }
}`;

export const PERSON_ACROSS_REGIONS = `# 全国经办人员：一人多地的门特记录（需全国经办令牌；某地区服务不可用时其余地区照常返回）
query PersonAcrossRegions {
  person(id: "P000003") {
    name
    idNumberMasked
    insuredRegion { name }
    records {
      region { name }
      applications { acceptanceNumber status }
      certifications { validUntil }
      remoteCareFilings { residenceRegionName }
    }
  }
}`;

export const SIGNED_IN_OPERATIONS = [MY_RECORDS, SUBMIT_APPLICATION, REVIEW_APPLICATION, PERSON_ACROSS_REGIONS];
