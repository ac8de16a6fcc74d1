// Example operations: the Sandbox landing page opens with the first one, the README shows them,
// and the integration tests run them, so they cannot silently rot.

export const REGIONS_OVERVIEW = `# 各统筹区门特政策一览：渠道、审核时限、病种目录、待遇标准
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

export const YUNFU_ESTIMATE = `# 云浮：职工医保、高血压、门诊费用 7820 元，本年度已付起付线 200 元
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
