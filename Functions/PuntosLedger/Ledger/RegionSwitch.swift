import PuntosRuntime

/// Rigla's switch of the programme per region: with no regions named it runs everywhere; else only in
/// those named, and an event that names no region is outside them. Earning and spending both ask here.
package enum RegionSwitch {
    package static func allows(_ region: String?, regions: [String]?) -> Bool {
        guard let regions else { return true }
        return regions.contains(region ?? "")
    }

    /// Refuses a redemption (or hold) outside the programme's regions with `region_disabled`.
    package static func requireOn(_ region: String?, regions: [String]?) throws {
        guard !allows(region, regions: regions) else { return }
        let message =
            region.map { "the programme is switched off in region \($0)" }
            ?? "the programme runs only in some regions: give the region of the order"
        throw FunctionError.refused(.regionDisabled, field: "region", message)
    }
}
