//! Reading the audit log within the reader's scope: the entries about units the reader may
//! read in some year, and entries about no unit (criteria sets, users) for province
//! administrators. The scope is applied by the store's query, so a limit counts what the
//! reader sees and nothing outside it is fetched.

use ntm_core::UnitRegistry;
use ntm_core::access::{Action, ever_visible_units};
use ntm_store::{AuditFilter, AuditRecord, AuditScope, Store};

use crate::AppResult;
use crate::accounts::Actor;

/// The entries matching `filter` that `actor` may see, newest first.
pub async fn list(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    mut filter: AuditFilter,
) -> AppResult<Vec<AuditRecord>> {
    filter.scope = if actor.can_globally(registry, Action::ManageUsers) {
        None
    } else {
        Some(AuditScope {
            units: ever_visible_units(registry, &actor.grants)
                .into_iter()
                .collect(),
            unitless: false,
        })
    };
    Ok(store.list_audit(&filter).await?)
}

/// What an audit action is, in Vietnamese, for people reading the log; the code stays for
/// filters and scripts.
pub fn action_label(action: &str) -> &'static str {
    match action {
        "value.create" => "Nhập số liệu mới",
        "value.update" => "Sửa số liệu",
        "submission.draft" => "Trở lại bản nháp",
        "submission.submitted" => "Gửi duyệt",
        "submission.approved" => "Duyệt và khóa",
        "submission.returned" => "Trả lại",
        "unit.create" => "Thêm đơn vị hành chính",
        "unit.update" => "Sửa đơn vị hành chính",
        "units.level" => "Đổi cấp đơn vị",
        "lineage.create" => "Thêm quan hệ sáp nhập",
        "lineage.update" => "Sửa quan hệ sáp nhập",
        "attribute.create" => "Thêm thuộc tính đơn vị",
        "attribute.update" => "Sửa thuộc tính đơn vị",
        "criteria_set.create" => "Thêm bộ tiêu chí",
        "criteria_set.update" => "Lưu phiên bản mới của bộ tiêu chí",
        "recognition.create" => "Lập hồ sơ công nhận",
        "recognition.update" => "Cập nhật hồ sơ công nhận",
        "recognition.attach" => "Đính kèm văn bản vào hồ sơ công nhận",
        "target_plan.create" => "Lập kế hoạch chỉ tiêu",
        "target_plan.update" => "Sửa kế hoạch chỉ tiêu",
        "target_plan.delete" => "Xóa kế hoạch chỉ tiêu",
        "user.create" => "Tạo tài khoản",
        "user.password" => "Đổi mật khẩu",
        "user.disable" => "Khóa tài khoản",
        "user.enable" => "Mở khóa tài khoản",
        "user.email" => "Đổi địa chỉ thư",
        "user.grants" => "Đổi quyền",
        "user.organisations" => "Đổi cơ quan",
        "token.create" => "Tạo mã truy cập",
        "token.delete" => "Thu hồi mã truy cập",
        "organisation.create" => "Thêm cơ quan",
        "directive.create" => "Ghi văn bản chỉ đạo",
        "task.create" => "Giao nhiệm vụ",
        "task.update" => "Điều chỉnh nhiệm vụ",
        "task.report" => "Báo cáo tiến độ",
        "task.complete" => "Báo hoàn thành",
        "task.confirm" => "Xác nhận hoàn thành",
        "task.reopen" => "Mở lại nhiệm vụ",
        _ => "Thay đổi khác",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_action_the_store_writes_has_a_vietnamese_label() {
        // The store's actions, as its plan and tasks modules write them.
        for action in [
            "attribute.create",
            "attribute.update",
            "directive.create",
            "lineage.create",
            "lineage.update",
            "organisation.create",
            "submission.approved",
            "submission.draft",
            "submission.returned",
            "submission.submitted",
            "task.complete",
            "task.confirm",
            "task.create",
            "task.reopen",
            "task.report",
            "task.update",
            "token.create",
            "token.delete",
            "unit.create",
            "unit.update",
            "units.level",
            "user.create",
            "user.disable",
            "user.email",
            "user.enable",
            "user.grants",
            "user.organisations",
            "user.password",
            "value.create",
            "value.update",
            "criteria_set.create",
            "criteria_set.update",
        ] {
            assert_ne!(super::action_label(action), "Thay đổi khác", "{action}");
        }
    }
}
